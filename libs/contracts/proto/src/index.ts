// Generated gRPC contracts, one namespace per proto package and major version, so message names
// of different services never collide. Regenerate with tools/scripts/codegen-proto.sh.
export * as ledgerV1 from './generated/corebank/ledger/v1/ledger';
export * as authorizationV1 from './generated/corebank/authorization/v1/authorization';
export * as authorizationCardsV1 from './generated/corebank/authorization/v1/cards';
