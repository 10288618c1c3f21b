export * from './compact-jws';
export * from './config';
export * from './token-claims';
export * from './token-issuer';
export * from './token-verifier';
