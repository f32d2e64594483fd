/** The version reported by sys/health and sys/seal-status. */
export const COFFER_VERSION = '0.1.0';
