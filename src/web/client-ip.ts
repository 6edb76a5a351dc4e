/**
 * The client address the search rate limit counts by. Without SUDI_TRUST_PROXY it is the
 * socket's peer: X-Forwarded-For is then ignored, since anyone can send it. Behind a reverse
 * proxy, SUDI_TRUST_PROXY says whom to believe: a number of proxy hops (the address that many
 * places from the right of the chain), or the proxies' own addresses (the rightmost address
 * that is not one of them, and only when the peer is one of them).
 */

export type TrustProxy =
  | { kind: "none" }
  | { kind: "hops"; hops: number }
  | { kind: "addresses"; addresses: ReadonlySet<string> };

/** "::ffff:127.0.0.1" → "127.0.0.1", so IPv4 peers match IPv4 lists. */
function normalise(address: string): string {
  const a = address.trim();
  return a.startsWith("::ffff:") && a.includes(".") ? a.slice(7) : a;
}

/** Reads SUDI_TRUST_PROXY (already checked by the config's zod schema). */
export function parseTrustProxy(value: string | undefined): TrustProxy {
  if (!value) return { kind: "none" };
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    return hops > 0 ? { kind: "hops", hops } : { kind: "none" };
  }
  return { kind: "addresses", addresses: new Set(value.split(",").map(normalise)) };
}

export function clientAddress(
  peer: string | undefined,
  forwardedFor: string | undefined,
  trust: TrustProxy,
): string {
  const direct = normalise(peer ?? "unknown");
  if (trust.kind === "none" || !forwardedFor) return direct;
  const chain = [
    ...forwardedFor
      .split(",")
      .map(normalise)
      .filter((a) => a.length > 0 && a.length <= 45),
    direct,
  ];
  if (trust.kind === "hops") {
    return chain[Math.max(0, chain.length - 1 - trust.hops)] ?? direct;
  }
  if (!trust.addresses.has(direct)) return direct;
  for (let i = chain.length - 1; i >= 0; i--) {
    const address = chain[i] as string;
    if (!trust.addresses.has(address)) return address;
  }
  return chain[0] ?? direct;
}
