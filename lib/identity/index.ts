/** The trust chain and credentials (Node only; see ./authority.ts). */
export {
  CredentialError,
  IdentityAuthority,
  MAX_TTL_MS,
  MIN_TTL_MS,
  privateFile,
  type IssuedCredential,
  type Minted,
  type MintRequest,
} from "./authority";
export { credentialInfo, credsDir, credsPath, ensureCredsFile, type CredentialInfo } from "./creds-files";
export {
  checkLoginToken,
  dashboardTokenPath,
  deriveLoginToken,
  MAX_LINK_TTL_MS,
  readDashboardToken,
  saveDashboardToken,
} from "./login-links";
