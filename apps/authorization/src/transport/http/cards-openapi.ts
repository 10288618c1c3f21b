/**
 * The OpenAPI document of the customer /cards API, served at GET /cards/openapi.json. It lives
 * with the code that serves it (authorization owns cards); the feed documents its own paths.
 */
const errorResponse = { $ref: '#/components/responses/Error' };
const cardIdParameter = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'a card id (`card_…`) from GET /cards',
  schema: { type: 'string' },
};
const cardResponse = {
  description: 'the card after the change (unchanged when it already was so)',
  content: {
    'application/json': {
      schema: {
        type: 'object',
        required: ['card'],
        properties: { card: { $ref: '#/components/schemas/Card' } },
      },
    },
  },
};
const changeResponses = {
  '200': cardResponse,
  '401': { $ref: '#/components/responses/Unauthorized' },
  '404': errorResponse,
  '405': errorResponse,
  '409': errorResponse,
  '503': errorResponse,
  '504': errorResponse,
};

export const CARDS_OPENAPI_DOCUMENT = {
  openapi: '3.0.3',
  info: {
    title: 'corebank cards API',
    version: '1.0.0',
    description:
      "The app's card controls (see FEED-API.md), served by authorization, the owner of cards. " +
      'Freezing is instant and reversible and is reflected in the next authorization.',
  },
  servers: [{ url: '/' }],
  paths: {
    '/cards/openapi.json': {
      get: {
        operationId: 'cardsOpenApi',
        summary: 'This document',
        responses: { '200': { description: 'the OpenAPI document' } },
      },
    },
    '/cards': {
      get: {
        operationId: 'listCards',
        summary: "An account's cards",
        security: [{ bearer: [] }],
        parameters: [
          { name: 'account_id', in: 'query', required: true, schema: { type: 'string' } },
        ],
        responses: {
          '200': {
            description: 'cards',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['cards'],
                  properties: {
                    cards: { type: 'array', items: { $ref: '#/components/schemas/Card' } },
                  },
                },
              },
            },
          },
          '400': errorResponse,
          '401': { $ref: '#/components/responses/Unauthorized' },
          '404': errorResponse,
          '405': errorResponse,
          '503': errorResponse,
          '504': errorResponse,
        },
      },
    },
    '/cards/{id}/freeze': {
      post: {
        operationId: 'freezeCard',
        summary: 'Freeze a card: authorizations decline until it is unfrozen',
        security: [{ bearer: [] }],
        parameters: [cardIdParameter],
        responses: changeResponses,
      },
    },
    '/cards/{id}/unfreeze': {
      post: {
        operationId: 'unfreezeCard',
        summary: 'Unfreeze a frozen card',
        security: [{ bearer: [] }],
        parameters: [cardIdParameter],
        responses: changeResponses,
      },
    },
  },
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    schemas: {
      Card: {
        type: 'object',
        required: ['id', 'account_id', 'last_four', 'expiry', 'status', 'currency'],
        properties: {
          id: { type: 'string', example: 'card_900000001' },
          account_id: { type: 'string' },
          last_four: { type: 'string', pattern: '^[0-9]{4}$' },
          expiry: { type: 'string', description: 'YYYY-MM, valid through the end of that month' },
          status: {
            type: 'string',
            enum: ['not_activated', 'active', 'frozen', 'lost', 'stolen', 'closed'],
          },
          currency: { type: 'string' },
        },
      },
      Error: {
        type: 'object',
        required: ['code', 'message'],
        properties: { code: { type: 'string' }, message: { type: 'string' } },
      },
    },
    responses: {
      Error: {
        description: 'refused, with a reason',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      },
      Unauthorized: {
        description: 'no valid bearer token (`error: invalid_token`)',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      },
    },
  },
} as const;
