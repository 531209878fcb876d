/**
 * Whether a URL hostname (as `new URL(...).hostname` gives it: lower case, IPv6 in brackets,
 * IPv4 normalised) names this machine: `localhost`, 127.0.0.0/8, `[::1]`, or IPv4-mapped 127.x.
 */
export function isLoopbackHostname(hostname: string): boolean {
  const host = hostname.toLowerCase();
  if (host === "localhost" || host === "localhost." || host === "[::1]") return true;
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) return true;
  return /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(host);
}
