export type { Detection, DetectorOptions } from './detect/detector.ts';
export { Detector, ENTITY_TYPES, RECOGNIZERS } from './detect/detector.ts';
export { maskForReport } from './detect/mask.ts';
export type { EntityKind, Recognizer } from './detect/recognizer.ts';
