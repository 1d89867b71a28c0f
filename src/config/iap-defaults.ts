/** What Identity-Aware Proxy signs and where it publishes its keys. */
export const iapDefaults = {
  header: 'x-goog-iap-jwt-assertion',
  issuer: 'https://cloud.google.com/iap',
  jwksUrl: 'https://www.gstatic.com/iap/verify/public_key-jwk',
} as const;
