import { splitLines } from '../common';

/** A logical line of lspci output after mail-wrap repair. */
export interface LspciLine {
  kind: 'header' | 'body' | 'blank';
  /** Text with surrounding whitespace removed (continuations joined with one space). */
  text: string;
  /** 1-based physical line where the logical line starts. */
  line: number;
}

/** Physical lines that were glued onto the previous line (mail clients hard-wrap at ~78 columns). */
export interface Continuation {
  line: number;
  text: string;
}

/** `[[dddd:]bb:dd.f ` at column 0: a device header. The domain has 4+ hex digits (VMD domains have 5). */
export const HEADER_RE = /^(?:([0-9a-fA-F]{4,8}):)?([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-7])\s(.*)$/;
/** `lspci -x/-xxx` config-space hex dump rows: `00: 02 10 85 69 …`. */
const HEXDUMP_RE = /^[0-9a-fA-F]{2,3}: [0-9a-fA-F]{2}(?: |$)/;
/** Noise lspci itself prints at column 0 (`pcilib: …`, `lspci: …`) or shell prompts quoted with the output. */
const NOISE_RE = /^(?:pcilib|lspci|setpci):|^[#$] /;

/**
 * Turn lspci text into logical lines. lspci indents every line of a device block except the header, so a
 * non-empty line at column 0 that is not a header, a hex dump row or tool noise is a mail-wrapped tail of the
 * previous line and is joined onto it with one space (the wrap happened at a space).
 */
export function lspciLines(text: string): { lines: LspciLine[]; continuations: Continuation[]; truncated: boolean } {
  const { lines: raw, truncated } = splitLines(text);
  const lines: LspciLine[] = [];
  const continuations: Continuation[] = [];
  let last: LspciLine | undefined;
  for (let i = 0; i < raw.length; i++) {
    const physical = raw[i];
    const trimmed = physical.trim();
    if (trimmed === '') {
      lines.push({ kind: 'blank', text: '', line: i + 1 });
      last = undefined;
      continue;
    }
    const first = physical.charCodeAt(0);
    if (first === 32 || first === 9) {
      last = { kind: 'body', text: trimmed, line: i + 1 };
      lines.push(last);
    } else if (HEADER_RE.test(physical)) {
      last = { kind: 'header', text: trimmed, line: i + 1 };
      lines.push(last);
    } else if (HEXDUMP_RE.test(physical) || NOISE_RE.test(physical)) {
      last = undefined;
    } else if (last) {
      last.text += ' ' + trimmed;
      continuations.push({ line: i + 1, text: physical });
    }
  }
  return { lines, continuations, truncated };
}
