/** Mimecast gateways, Key Vault hosts, and the rules every URL setting follows. */

/** API 2.0 gateways (Mimecast support, Jun 2025): global fails over; uk/us keep data in region. */
export const API_V2_BASE_URLS = {
  global: "https://api.services.mimecast.com",
  uk: "https://uk-api.services.mimecast.com",
  us: "https://us-api.services.mimecast.com",
} as const;

/** API 1.0 has no global data host: each account lives on one regional host. */
export const API_V1_BASE_URLS = {
  eu: "https://eu-api.mimecast.com",
  de: "https://de-api.mimecast.com",
  us: "https://us-api.mimecast.com",
  usb: "https://usb-api.mimecast.com",
  ca: "https://ca-api.mimecast.com",
  za: "https://za-api.mimecast.com",
  au: "https://au-api.mimecast.com",
  jer: "https://jer-api.mimecast.com",
} as const;

export const DEFAULT_API_V2_BASE_URL = API_V2_BASE_URLS.global;

export type ApiVersion = "1.0" | "2.0";

export function baseUrlAliases(version: ApiVersion): Readonly<Record<string, string>> {
  return version === "2.0" ? API_V2_BASE_URLS : API_V1_BASE_URLS;
}

export function isBaseUrlAlias(value: string): boolean {
  return value in API_V2_BASE_URLS || value in API_V1_BASE_URLS;
}

/** Public, US Government and China clouds (the German cloud is retired). */
export const KEY_VAULT_HOST_SUFFIXES = [
  ".vault.azure.net",
  ".vault.usgovcloudapi.net",
  ".vault.azure.cn",
] as const;

export function isKeyVaultHost(hostname: string): boolean {
  return KEY_VAULT_HOST_SUFFIXES.some((suffix) => hostname.toLowerCase().endsWith(suffix));
}

/** Syntax every URL setting shares: absolute http(s), and nothing that could carry a credential. */
export function urlSyntaxProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "it is not an absolute URL";
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    return `its scheme is ${url.protocol} (not https)`;
  if (url.username || url.password) return "it contains a user name or password";
  if (url.search || url.hash) return "it has a query string or fragment";
  return undefined;
}

/** Origin plus path without the trailing slash, so callers can append "/api/...". */
export function normalizeUrl(value: string): string {
  const url = new URL(value);
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}

export function isLoopbackHost(hostname: string): boolean {
  return hostname === "localhost" || hostname === "[::1]" || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/** Inputs of the plain-http escape hatch, used by the simulator and tests only. */
export interface InsecureHttpPolicy {
  allowInsecureHttp: boolean;
  nodeEnv: string | undefined;
}

/**
 * MIMECAST_ALLOW_INSECURE_HTTP is honoured only for loopback hosts or under NODE_ENV=test, so a
 * stray setting in production cannot downgrade traffic to a real host.
 */
export function insecureHttpAllowed(policy: InsecureHttpPolicy, hostname: string): boolean {
  return policy.allowInsecureHttp && (policy.nodeEnv === "test" || isLoopbackHost(hostname));
}

/** Hides the user-info part, in case someone pasted credentials into a URL setting. */
export function maskUrlCredentials(text: string): string {
  return text.replace(/(\/\/)[^/@\s]*@/g, "$1***@");
}
