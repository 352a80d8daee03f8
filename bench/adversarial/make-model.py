"""Writes the CIFAR-size CNN of specs/adversarial.md (random weights, seed 0) as ONNX for the gradient benchmark:
conv 3→32, 32→32, maxpool, conv 32→64, 64→64, maxpool (3×3, pad 1, ReLU), linear 4096→256, ReLU, linear 256→10;
input 3×32×32, opset 13, dynamic batch. Needs Debian's python3-torch and python3-onnx; the product never does."""
import sys

import torch
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(
    nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(),
    nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(),
    nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear(4096, 256), nn.ReLU(), nn.Linear(256, 10),
).eval()
torch.onnx.export(
    model, torch.rand(1, 3, 32, 32), sys.argv[1], opset_version=13,
    input_names=["input"], output_names=["logits"], dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
)
