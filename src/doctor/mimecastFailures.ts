import { SecretError } from "../config/errors";
import type { FeedSpec } from "../feeds/types";
import {
  MimecastAuthError,
  MimecastBadResponseError,
  MimecastConfigurationError,
  MimecastPermanentError,
  MimecastRateLimitedError,
  MimecastTransientError,
} from "../mimecast/errors";
import { formatDetails } from "../mimecast/responses";
import type { DoctorCheck } from "./types";

type Finding = Omit<DoctorCheck, "name">;

const ROLE_FIX =
  "In the Mimecast Administration Console open the role of this API application (Administration → Services → " +
  "API and Platform Integrations, and Account → Roles) and add";

/** Why a feed probe failed, in the operator's terms: which permission, product, setting or network. */
export function feedFailure(error: unknown, feed: FeedSpec): Finding {
  if (error instanceof MimecastPermanentError && error.status === 403) {
    const said = formatDetails(error.details);
    return {
      status: "fail",
      detail: `HTTP 403 on ${error.path}: the API application's role lacks "${feed.permission}", or the product is not enabled for this account${said ? ` (Mimecast said: ${said})` : ""}`,
      fix: `${ROLE_FIX} "${feed.permission}"; if it is already there, the product is not licensed: disable the feed (MIMECAST_FEEDS)`,
    };
  }
  if (error instanceof MimecastPermanentError && error.status === 404) {
    return {
      status: "fail",
      detail: `HTTP 404 on ${error.path}: the endpoint is not available at this base URL`,
      fix: "Check MIMECAST_BASE_URL (the account's region), or disable the feed in MIMECAST_FEEDS",
    };
  }
  if (error instanceof MimecastRateLimitedError) {
    return {
      status: "warn",
      detail: `rate-limited on ${error.path} until ${new Date(error.retryAt).toISOString()}: access not verified`,
      fix: "Run doctor again later; a running connector may be using the quota",
    };
  }
  return commonFailure(error);
}

/** Failures that are not about one feed: credentials, Key Vault, network, configuration. */
export function commonFailure(error: unknown): Finding {
  if (error instanceof SecretError) {
    return {
      status: "fail",
      detail: error.message,
      fix: `Fix access to secret "${error.secretName}" (${error.setting}) in ${error.vaultUri}`,
    };
  }
  if (error instanceof MimecastAuthError) {
    return {
      status: "fail",
      detail: error.message,
      fix: "Check the Mimecast credentials settings (or their Key Vault secrets) and MIMECAST_BASE_URL",
    };
  }
  if (error instanceof MimecastTransientError) {
    return {
      status: "fail",
      detail: `${error.message} (after retries)`,
      fix: "Check MIMECAST_BASE_URL and the app's outbound network access; a 5xx may be a Mimecast outage",
    };
  }
  if (error instanceof MimecastConfigurationError) {
    return { status: "fail", detail: error.message, fix: "Correct the setting the message names" };
  }
  if (error instanceof MimecastBadResponseError || error instanceof MimecastPermanentError) {
    return {
      status: "fail",
      detail: error.message,
      fix: "Unexpected answer from Mimecast: check MIMECAST_BASE_URL and the API version",
    };
  }
  return {
    status: "fail",
    detail: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
  };
}
