import { CofferError, invalidRequest } from '../../../framework/errors.js';
import { field } from '../../../framework/fields.js';
import { definePath, ok, type PathDef, type Resp } from '../../../framework/types.js';

/** Levels sys/loggers accepts, most detailed first (Vault's list). */
const LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;
type Level = (typeof LEVELS)[number];

/**
 * The server's named loggers and their levels. The server owns the loggers (they live above the
 * engines), so it hands sys/loggers this view of them.
 */
export interface LoggerLevels {
  /** Every named logger and its current level. */
  levels(): Record<string, string>;
  has(name: string): boolean;
  /** Sets every logger, the root one included. */
  setAll(level: Level): void;
  set(name: string, level: Level): void;
  /** Back to the level the server was started with (-log-level or log_level). */
  revertAll(): void;
  revert(name: string): void;
}

/**
 * sys/loggers and sys/loggers/:name (Vault 1.11+): read, set (POST {level}) and revert (DELETE)
 * log levels at runtime. Changes are not persisted. Sudo, as every operator-only sys path here.
 */
export function loggerPaths(loggers: LoggerLevels): PathDef[] {
  const levelField = field.string({ description: 'trace, debug, info, warn or error.' });
  const named = (name: string) => {
    if (!loggers.has(name)) throw new CofferError('not_found', `logger "${name}" not found`);
    return name;
  };
  return [
    definePath({
      pattern: 'loggers',
      fields: { level: levelField },
      sudo: true,
      operations: {
        read: async () => ok(loggers.levels()),
        update: async (req) => {
          loggers.setAll(parseLevel(req.fields.level));
          return noContent();
        },
        delete: async () => {
          loggers.revertAll();
          return noContent();
        },
      },
    }),
    definePath({
      pattern: 'loggers/:name',
      fields: { name: field.string({ required: true }), level: levelField },
      sudo: true,
      operations: {
        read: async (req) => {
          const name = named(req.fields.name);
          return ok({ [name]: loggers.levels()[name] });
        },
        update: async (req) => {
          loggers.set(named(req.fields.name), parseLevel(req.fields.level));
          return noContent();
        },
        delete: async (req) => {
          loggers.revert(named(req.fields.name));
          return noContent();
        },
      },
    }),
  ];
}

function parseLevel(value: string): Level {
  const level = value.trim().toLowerCase();
  if (level === '') throw invalidRequest('level is required');
  const normalized = level === 'warning' ? 'warn' : level === 'err' ? 'error' : level;
  if (!(LEVELS as readonly string[]).includes(normalized)) throw invalidRequest(`invalid level provided: "${value}"`);
  return normalized as Level;
}

const noContent = (): Resp => ({});
