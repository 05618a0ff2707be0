/** Health detection and remediation policy: pure logic. The lead wires it to queues, DynamoDB and clusters. */
export * from './alarm-event.js';
export * from './health-signal.js';
export * from './map-alarm.js';
export * from './anomaly-detector.js';
export * from './failure-rate.js';
export * from './token-bucket.js';
export * from './remediation-policy.js';
export * from './remediation-types.js';
export * from './remediation-ledger.js';
export * from './signal-history.js';
export * from './diagnosis.js';
export * from './decide-remediation.js';
