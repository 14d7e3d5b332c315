// npx sysvitals
export {};
