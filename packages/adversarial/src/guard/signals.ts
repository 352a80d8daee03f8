/**
 * Hand-written signals of prompt injection: instruction overrides, role and persona switches, forged chat
 * markup, requests for the hidden prompt, encoded payloads and invisible characters. Each is a feature of the
 * classifier and also reported on its own, so that a block can be explained.
 */

export interface Signal {
  readonly id: string;
  readonly description: string;
  /** A strong signal flags a text on its own; a weak one only feeds the classifier. */
  readonly strong: boolean;
  readonly test: (text: string) => boolean;
}

const re = (pattern: RegExp) => (text: string) => pattern.test(text);

export const SIGNALS: readonly Signal[] = [
  {
    id: 'override',
    description: 'asks to ignore, forget or replace earlier instructions or safeguards',
    strong: true,
    test: re(
      /\b(?:ignore|disregard|forget(?: about)?|override|bypass|skip|drop|abandon|discard|set aside|pay no attention to|stop following|no longer follow|erase|turn off|disable)\b[^.!?\n]{0,40}\b(?:previous|prior|above|earlier|preceding|all|any|your|the|original|initial|system|whatever)\b[^.!?\n]{0,30}\b(?:instructions?|rules?|prompts?|guidelines?|guidance|directions?|directives?|constraints?|polic(?:y|ies)|context|messages?|programming|filters?|safeguards?|guardrails?|safety|told)\b/i,
    ),
  },
  {
    id: 'new-instructions',
    description: 'announces new instructions, an override or a mode switch',
    strong: true,
    test: re(
      /\b(?:new|updated|revised|real|actual|true|secret|hidden) (?:instructions?|task|rules?|directive|orders?|operator|goal)\b|\b(?:system|admin|developer|maintenance|god|debug|sudo|unrestricted) (?:override|mode|access|command|notice)\b|^\s*override\s*:|\bpolicy update\b|\b(?:is|are) now (?:permitted|allowed|free) to\b/im,
    ),
  },
  {
    id: 'mode-switch',
    description: 'changes how the model behaves from here on',
    strong: false,
    test: re(/\bfrom (?:now on|this (?:point|moment) on)\b|\byou are no longer\b|\bstart over\b/i),
  },
  {
    id: 'persona',
    description: 'asks the model to become an unrestricted persona',
    strong: true,
    test: re(
      /\b(?:unrestricted|unfiltered|uncensored|jailbroken|no (?:rules|limits|restrictions|filters|guidelines)|without (?:any )?(?:rules|limits|restrictions|filters|censorship)|never refuses?|off limits|broken free|do anything now)\b|\byou are (?:now )?DAN\b|\b(?:hacker|evil|malicious) (?:assistant|ai|bot)\b/i,
    ),
  },
  {
    id: 'forged-markup',
    description: 'contains chat-template or role markup that forges a system turn',
    strong: true,
    test: re(
      /<\/?(?:system|assistant|user|im_start|im_end)\b|<\|(?:im_start|im_end|system|endoftext|eot_id|start_header_id)\|>|\[\/?INST\]|<<\/?SYS>>|^#{2,}\s*(?:system|instruction)/im,
    ),
  },
  {
    id: 'exfiltration',
    description: 'asks for the hidden prompt, instructions or secrets',
    strong: true,
    test: re(
      /\b(?:reveal|print|show|repeat|output|display|tell me|give me|leak|dump|recite|spell out|echo|quote|copy)\b[^.!?\n]{0,40}\b(?:system prompt|hidden (?:prompt|messages?|rules)|initial (?:prompt|instructions)|original (?:prompt|instructions)|your (?:instructions|prompt|rules|guidelines|configuration|context)|(?:everything|text|words) (?:above|before)|context window|api keys?|secret (?:keys?|codes?)|password)\b|\b(?:prompt|instructions) you were (?:given|initiali[sz]ed with|trained with)\b|\binstructions did your (?:creators|developers|makers)\b/i,
    ),
  },
  {
    id: 'encoded-payload',
    description: 'asks to decode (or translate) and follow a message, or carries a long encoded blob',
    strong: true,
    test: (text) =>
      /\b(?:decode|decrypt|base64|rot13|hex|translate|encoded|convert)\b[^.!?\n]{0,60}\b(?:follow|obey|execute|do what|comply|carry out|run)\b/i.test(
        text,
      ) || /[A-Za-z0-9+/]{40,}={0,2}/.test(text),
  },
  {
    id: 'invisible-text',
    description: 'holds invisible or direction-changing Unicode characters',
    strong: true,
    test: re(/[\u200B-\u200F\u202A-\u202E\u2060-\u2064\uFEFF]|[\u{E0000}-\u{E007F}]/u),
  },
  {
    id: 'addressed-to-ai',
    description: 'addresses instructions to an AI reading embedded content',
    strong: true,
    test: re(
      /\b(?:AI|assistants?|language models?|LLMs?|chatbots?|models?)\b[^.!?\n]{0,30}\b(?:reading|processing|summari[sz]ing|reviewing|that reads?|reviewers?)\b[^.!?\n]{0,30}\b(?:must|should|shall|need to|are instructed|is instructed)\b|\b(?:note|message|instruction) (?:to|for) (?:the |any )?(?:AI|assistant|model|language model)\b/i,
    ),
  },
];

export function strongSignalIn(ids: readonly string[]): boolean {
  return SIGNALS.some((s) => s.strong && ids.includes(s.id));
}

export function signalsIn(text: string): string[] {
  return SIGNALS.filter((s) => s.test(text)).map((s) => s.id);
}
