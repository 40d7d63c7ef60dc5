/**
 * The four logger methods the operator uses; the process's pino root logger (from
 * `@mpstack/common`) satisfies it, and tests pass a silent or recording one.
 */
export interface OperatorLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** A logger that drops everything (tests, or when the caller passes none). */
export const silentLogger: OperatorLogger = Object.freeze({
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
});
