// Which `User-Agent` is a browser's, for loopback mode's refusal of browsers without Fetch Metadata
// (origin-guard.ts): one starting `Mozilla/`, less the tools that send such an agent by default.

/**
 * Tools whose default `User-Agent` starts `Mozilla/` though they are no browser (outside review I): PowerShell 7's
 * Invoke-RestMethod and Invoke-WebRequest (`... PowerShell/7.4.0`) and Windows PowerShell 5.1's
 * (`... WindowsPowerShell/5.1...`, also its `curl` alias). Go, Python, Java, Node, curl, wget and Prometheus
 * clients do not start `Mozilla/`. No browser's agent carries these tokens, and a page cannot set its own.
 */
const TOOL_AGENT = /\b(?:Windows)?PowerShell\/\d/;

/** A browser's `User-Agent`: one starting `Mozilla/`, but not a tool's listed in {@link TOOL_AGENT}. */
export function isBrowserAgent(ua: string | undefined): boolean {
  return (ua ?? '').startsWith('Mozilla/') && !TOOL_AGENT.test(ua as string);
}
