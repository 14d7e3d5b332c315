// sysvitals/fastify adapter (see src/adapters/README in the API issue).
export {};
