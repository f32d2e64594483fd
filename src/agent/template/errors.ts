/**
 * A template that cannot be parsed or rendered. The message reads `<name>:<line>:<column>: <reason>`
 * as Go's text/template lays it out (without Go's `template: ` prefix): the line counts from 1 and
 * the column is, as in Go, the byte offset of the offending token within its line, counting from 0,
 * so the numbers match what Vault Agent reports for the same template.
 */
export class TemplateError extends Error {
  override readonly name = 'TemplateError';

  constructor(
    readonly templateName: string,
    readonly line: number,
    readonly column: number,
    /** The message without the location. */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${templateName}:${line}:${column}: ${reason}`, options);
  }
}

/** The text a template was parsed from, to turn an offset in it into a line and column. */
export class Source {
  constructor(
    readonly name: string,
    readonly text: string,
  ) {}

  /** A TemplateError located at `offset` (an index into the text). */
  errorAt(offset: number, reason: string, cause?: unknown): TemplateError {
    const at = Math.max(0, Math.min(offset, this.text.length));
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < at; i++) {
      if (this.text.charCodeAt(i) === 10) {
        line++;
        lineStart = i + 1;
      }
    }
    const column = Buffer.byteLength(this.text.slice(lineStart, at), 'utf8');
    return new TemplateError(this.name, line, column, reason, cause === undefined ? undefined : { cause });
  }
}

/**
 * Thrown by a template function whose arguments are wrong in number or type: the render error then
 * says so as Go's does ("wrong number of args for join: want 2 got 1"), not as a failed call.
 */
export class ArgumentError extends Error {
  override readonly name = 'ArgumentError';
}
