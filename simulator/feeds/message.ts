/** Derives the shared identity of the email behind SIEM lines at the same (product, slot, index). */
import { Rng, hashOf } from "../core/random";
import { EVENT_SLOT_MS } from "../core/slots";
import {
  INTERNAL_DOMAIN,
  SUBJECTS,
  externalAddress,
  externalIp,
  internalIp,
  internalPerson,
} from "./identities";
import type { MessageIdentity } from "./types";

export function messageIdentity(seed: number, product: string, slot: number, index: number): MessageIdentity {
  const rng = new Rng(hashOf(seed, product, "message", slot, index));
  const direction = rng.weighted<MessageIdentity["direction"]>([
    ["Inbound", 70],
    ["Outbound", 20],
    ["Internal", 10],
  ]);
  const insider = internalPerson(rng);
  const other = direction === "Internal" ? internalPerson(rng).email : externalAddress(rng);
  const epochSeconds = Math.floor((slot * EVENT_SLOT_MS) / 1000) + rng.int(0, EVENT_SLOT_MS / 1000 - 1);
  const host =
    direction === "Inbound"
      ? (other.split("@")[1] ?? "mail.example")
      : `mta-${rng.int(1, 48)}.${INTERNAL_DOMAIN}`;
  return {
    direction,
    sender: direction === "Inbound" ? other : insider.email,
    senderName: insider.name,
    recipient: direction === "Inbound" ? insider.email : other,
    subject: rng.pick(SUBJECTS),
    messageId: `<${rng.hex(16)}-${rng.int(1000, 999_999)}@${host}>`,
    aggregateId: `${rng.base64url(22)}_${epochSeconds}`,
    processingId: `${rng.base64url(43)}_${epochSeconds}`,
    senderIp: direction === "Inbound" ? externalIp(rng) : internalIp(rng),
    epochSeconds,
  };
}
