// The wire protocol shared by the server and the SDK: names, payload types and validation.
export * from './checks.js';
export * from './errors.js';
export * from './events.js';
export * from './schemas.js';
export * from './call-report.js';
