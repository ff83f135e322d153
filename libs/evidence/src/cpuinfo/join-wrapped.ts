/** A value field that may continue on following lines without a key (`flags`, `vmx flags`, `Features`). */
export interface WrappedField {
  kind: 'flags' | 'vmx' | 'features';
  /** The key line as read. */
  keyLine: string;
  /** Column where the value starts on the key line. */
  valueCol: number;
  /** Continuation lines as read. */
  continuations: string[];
}

const leading = (s: string): number => {
  let i = 0;
  while (i < s.length && (s.charCodeAt(i) === 32 || s.charCodeAt(i) === 9)) i++;
  return i;
};

/** Column where the value of a `key: value` line starts (after the colon and its padding). */
export function valueColumn(line: string, colon: number): number {
  return colon + 1 + leading(line.slice(colon + 1));
}

/**
 * Rebuild a wrapped value. Two kinds of wrap occur in captures:
 * - a terminal hard-wraps lscpu output at a fixed width and indents the tail to the value column, cutting words
 *   (`con` / `stant_tsc`): full-width pieces join with no separator; a shorter piece lost a trailing space,
 *   so it joins with one;
 * - a mail client wraps at spaces and puts the tail at column 0: pieces join with a space.
 */
export function joinWrapped(field: WrappedField): string {
  const pieces = [field.keyLine, ...field.continuations].map((l) => l.trimEnd());
  const width = pieces.reduce((w, p) => (p.length > w ? p.length : w), 0);
  let text = pieces[0].slice(field.valueCol);
  let prevLen = pieces[0].length;
  for (let i = 1; i < pieces.length; i++) {
    const piece = pieces[i];
    const indent = leading(piece);
    if (indent > 0 && indent >= field.valueCol - 1) {
      text += (prevLen >= width ? '' : ' ') + piece.slice(Math.min(indent, field.valueCol));
    } else {
      text += ' ' + piece.trim();
    }
    prevLen = piece.length;
  }
  return text;
}
