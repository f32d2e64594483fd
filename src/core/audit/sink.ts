/** The audit device contract lives in framework/ (devices in src/audit/ import only framework). */
export type { AuditSink, AuditSinkFactory } from '../../framework/audit-sink.js';
