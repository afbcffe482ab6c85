/**
 * Provider families eval752 knows. The slug is what operators type and what is
 * stored in `providers.type`; the default base URL fills the form when a family
 * is chosen. Pure data: this module imports nothing of ours.
 */
export const providerTypes = [
	'openai',
	'azure-openai',
	'anthropic',
	'gemini',
	'mistral',
	'groq',
	'together',
	'deepseek',
	'openrouter',
	'xai',
	'fireworks',
	'ollama',
	'vllm',
	'lmstudio',
	'openai-compatible',
] as const;

export type ProviderType = (typeof providerTypes)[number];

export interface FamilyInfo {
	readonly type: ProviderType;
	/** Name shown to operators. */
	readonly label: string;
	/** Filled into the form when the family is chosen; null when every deployment has its own. */
	readonly defaultBaseUrl: string | null;
	/** Local servers usually run without a key; a smoke test may go out without one. */
	readonly keyRequired: boolean;
	/** Runs on the operator's own machine or network (hints talk about the server, not the vendor). */
	readonly local: boolean;
	/**
	 * The vendor's API is a public service on the internet (its host is the vendor's, or a cloud
	 * resource's): a key for it never travels in cleartext, so plain `http://` is refused unless
	 * the host is this machine. Self-hosted families (local servers, any OpenAI-compatible
	 * gateway) may sit on a private network: plain `http://` there is warned about, not refused.
	 */
	readonly publicVendor: boolean;
	/** Environment variable(s) `import-env` reads the key from. */
	readonly envKeys: readonly string[];
}

export const families: Readonly<Record<ProviderType, FamilyInfo>> = {
	openai: {type: 'openai', label: 'OpenAI', defaultBaseUrl: 'https://api.openai.com/v1', keyRequired: true, publicVendor: true, local: false, envKeys: ['OPENAI_API_KEY']},
	'azure-openai': {type: 'azure-openai', label: 'Azure OpenAI', defaultBaseUrl: null, keyRequired: true, publicVendor: true, local: false, envKeys: ['AZURE_OPENAI_API_KEY']},
	anthropic: {type: 'anthropic', label: 'Anthropic', defaultBaseUrl: 'https://api.anthropic.com/v1', keyRequired: true, publicVendor: true, local: false, envKeys: ['ANTHROPIC_API_KEY']},
	gemini: {type: 'gemini', label: 'Gemini', defaultBaseUrl: 'https://generativelanguage.googleapis.com/v1beta/openai', keyRequired: true, publicVendor: true, local: false, envKeys: ['GEMINI_API_KEY', 'GOOGLE_API_KEY']},
	mistral: {type: 'mistral', label: 'Mistral', defaultBaseUrl: 'https://api.mistral.ai/v1', keyRequired: true, publicVendor: true, local: false, envKeys: ['MISTRAL_API_KEY']},
	groq: {type: 'groq', label: 'Groq', defaultBaseUrl: 'https://api.groq.com/openai/v1', keyRequired: true, publicVendor: true, local: false, envKeys: ['GROQ_API_KEY']},
	together: {type: 'together', label: 'Together', defaultBaseUrl: 'https://api.together.xyz/v1', keyRequired: true, publicVendor: true, local: false, envKeys: ['TOGETHER_API_KEY']},
	deepseek: {type: 'deepseek', label: 'DeepSeek', defaultBaseUrl: 'https://api.deepseek.com/v1', keyRequired: true, publicVendor: true, local: false, envKeys: ['DEEPSEEK_API_KEY']},
	openrouter: {type: 'openrouter', label: 'OpenRouter', defaultBaseUrl: 'https://openrouter.ai/api/v1', keyRequired: true, publicVendor: true, local: false, envKeys: ['OPENROUTER_API_KEY']},
	xai: {type: 'xai', label: 'xAI', defaultBaseUrl: 'https://api.x.ai/v1', keyRequired: true, publicVendor: true, local: false, envKeys: ['XAI_API_KEY']},
	fireworks: {type: 'fireworks', label: 'Fireworks', defaultBaseUrl: 'https://api.fireworks.ai/inference/v1', keyRequired: true, publicVendor: true, local: false, envKeys: ['FIREWORKS_API_KEY']},
	ollama: {type: 'ollama', label: 'Ollama', defaultBaseUrl: 'http://localhost:11434/v1', keyRequired: false, publicVendor: false, local: true, envKeys: []},
	vllm: {type: 'vllm', label: 'vLLM', defaultBaseUrl: 'http://localhost:8000/v1', keyRequired: false, publicVendor: false, local: true, envKeys: []},
	lmstudio: {type: 'lmstudio', label: 'LM Studio', defaultBaseUrl: 'http://localhost:1234/v1', keyRequired: false, publicVendor: false, local: true, envKeys: []},
	'openai-compatible': {type: 'openai-compatible', label: 'OpenAI-compatible', defaultBaseUrl: null, keyRequired: false, publicVendor: false, local: false, envKeys: []},
};

export const capabilities = ['system_prompt', 'json_mode', 'reasoning', 'image_input', 'tools', 'streaming'] as const;
export type Capability = (typeof capabilities)[number];

export const capabilityLabels: Readonly<Record<Capability, string>> = {
	system_prompt: 'system prompt',
	json_mode: 'JSON mode',
	reasoning: 'reasoning',
	image_input: 'image input',
	tools: 'tools',
	streaming: 'streaming',
};

/**
 * What a new provider can do unless told otherwise, in the dashboard's form and in
 * `eval752 providers add` alike: every family eval752 presets takes a system prompt and streams.
 */
export const defaultCapabilities: readonly Capability[] = ['system_prompt', 'streaming'];

/**
 * Whether a call to a provider of this family needs an API key: the one rule that smoke tests,
 * probes, model discovery, comparisons and the health model (board, `status`, `--json`) share.
 * Local servers usually run without one, and an OpenAI-compatible gateway may authenticate
 * some other way; every other family refuses a call without a key.
 */
export function keyRequired(type: ProviderType): boolean {
	return families[type].keyRequired;
}
