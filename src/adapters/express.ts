// sysvitals/express adapter (see src/adapters/README in the API issue).
export {};
