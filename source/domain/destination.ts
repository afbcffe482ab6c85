import {families, type ProviderType} from './families.js';

/**
 * Where a key may travel: the rules about a provider's base URL that decide whether a request
 * carrying its key may leave at all. The provider layer's door (`providers/door.ts`) applies
 * them to every request; the provider form and `providers add|edit` apply them when the URL is
 * typed, so the mistake is caught before a key is ever sent. Pure: imports nothing of ours
 * beyond the family facts.
 */

/** Whether a host name is this machine: a request to it never crosses a network. */
export function isLoopbackHost(hostname: string): boolean {
	const host = hostname.toLowerCase().replace(/^\[/, '').replace(/\]$/, '');
	if (host === 'localhost' || host.endsWith('.localhost')) return true;
	if (host === '::1') return true;
	// The WHATWG parser writes an IPv4-mapped loopback as ::ffff:7f00:1 (127.0.0.1).
	if (/^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(host)) return true;
	return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** `scheme://host[:port]` of a URL, as a key's destination is named to operators. */
export function originOf(url: URL): string {
	return `${url.protocol}//${url.host}`;
}

export interface CleartextRisk {
	/** True: no key is sent (a public vendor over plain http). False: sent, with a loud warning (self-hosted). */
	readonly refused: boolean;
	/** One line naming the origin and what travels in cleartext. */
	readonly message: string;
	/** What to change. */
	readonly hint: string;
}

/**
 * Plain `http://` to a host that is not this machine. For a family whose vendor host is public
 * (OpenAI, Anthropic, Azure…) the key would cross the internet in cleartext: refused. For a
 * self-hosted family (Ollama, vLLM, LM Studio, an OpenAI-compatible gateway) the server may be
 * on a network the operator trusts: warned about. Null when nothing travels in cleartext (https,
 * or a loopback host).
 */
export function cleartextRisk(type: ProviderType, baseUrl: string): CleartextRisk | null {
	let url: URL;
	try {
		url = new URL(baseUrl);
	} catch {
		return null;
	}
	if (url.protocol !== 'http:' || isLoopbackHost(url.hostname)) return null;
	const origin = originOf(url);
	const family = families[type];
	if (family.publicVendor) {
		return {
			refused: true,
			message: `Base URL ${origin} is plain http:// to ${family.label}, a public service: the key would travel in cleartext, so none is sent`,
			hint: `use https://${url.host}${url.pathname === '/' ? '' : url.pathname}; a gateway on your own network is the openai-compatible family`,
		};
	}
	return {
		refused: false,
		message: `Base URL ${origin} is plain http:// to another machine: the key and every prompt cross that network in cleartext`,
		hint: 'use https:// unless that network is yours alone (a TLS-terminating proxy in front of the server is enough)',
	};
}
