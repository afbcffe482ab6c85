import type {ProviderType} from '../../source/domain/families.js';
import type {ErrorClass} from '../../source/providers/errors.js';

/**
 * Error bodies as providers document them, one row per shape, each with where the shape comes
 * from. Bodies are trimmed to the fields that matter and messages shortened; the structure
 * (which fields, which types, where the status lives) is as the source gives it. Where a
 * source lists status codes and meanings but shows no body, the body is the provider's
 * OpenAI-style envelope as its own API reference describes it, and the row says so.
 */
export interface ErrorShape {
	readonly provider: string;
	readonly type: ProviderType;
	/** URL or document name the shape is taken from. */
	readonly source: string;
	readonly name: string;
	readonly status: number;
	readonly body: unknown;
	readonly headers?: Readonly<Record<string, string>>;
	/** The model the request asked for. */
	readonly model: string;
	readonly expected: ErrorClass;
	/** A 404 (or equivalent) on the path, not the model: the hint must point at the base URL. */
	readonly route?: boolean;
	/** The same error sent as an SSE `data: {"error": …}` event inside a 200 stream (default: the body's `error`). */
	readonly inStream?: unknown | null;
}

const OPENAI = 'https://platform.openai.com/docs/guides/error-codes';
const AZURE = 'https://learn.microsoft.com/en-us/azure/ai-services/openai/reference (error response) and Microsoft Q&A "DeploymentNotFound"';
const ANTHROPIC = 'https://docs.anthropic.com/en/api/errors (shape) and https://docs.anthropic.com/en/api/openai-sdk (compatibility endpoint)';
const GEMINI = 'https://ai.google.dev/gemini-api/docs/troubleshooting (status names) and https://ai.google.dev/gemini-api/docs/openai';
const GROQ = 'https://console.groq.com/docs/errors';
const MISTRAL = 'https://docs.mistral.ai/api/ (error object: object, message, type, param, code)';
const OPENROUTER = 'https://openrouter.ai/docs/api-reference/errors';
const TOGETHER = 'https://docs.together.ai/docs/error-codes (codes; body is the OpenAI-style envelope of its API reference)';
const DEEPSEEK = 'https://api-docs.deepseek.com/quick_start/error_codes (codes; body is the OpenAI-style envelope of its API reference)';
const OLLAMA = 'https://github.com/ollama/ollama/blob/main/openai/openai.go (NewError) and docs/openai.md';
const VLLM = 'https://github.com/vllm-project/vllm/blob/main/vllm/entrypoints/openai/protocol.py (ErrorResponse); FastAPI default 404';
const LMSTUDIO = 'https://github.com/lmstudio-ai/lmstudio-bug-tracker/issues/618 (unknown path answered 200 with an error body)';

export const errorShapes: readonly ErrorShape[] = [
	// OpenAI
	{provider: 'OpenAI', type: 'openai', source: OPENAI, name: '401 invalid_api_key', status: 401, model: 'gpt-4o-mini', expected: 'auth', body: {error: {message: 'Incorrect API key provided: sk-abc***wxyz.', type: 'invalid_request_error', param: null, code: 'invalid_api_key'}}},
	{provider: 'OpenAI', type: 'openai', source: OPENAI, name: '429 requests', status: 429, model: 'gpt-4o-mini', expected: 'rate_limited', headers: {'retry-after': '2'}, body: {error: {message: 'Rate limit reached for gpt-4o-mini in organization org-x on requests per min (RPM): Limit 3, Used 3, Requested 1.', type: 'requests', param: null, code: 'rate_limit_exceeded'}}},
	{provider: 'OpenAI', type: 'openai', source: OPENAI, name: '429 insufficient_quota', status: 429, model: 'gpt-4o-mini', expected: 'quota', body: {error: {message: 'You exceeded your current quota, please check your plan and billing details.', type: 'insufficient_quota', param: null, code: 'insufficient_quota'}}},
	{provider: 'OpenAI', type: 'openai', source: OPENAI, name: '404 model_not_found', status: 404, model: 'gpt-9', expected: 'model_not_found', body: {error: {message: 'The model `gpt-9` does not exist or you do not have access to it.', type: 'invalid_request_error', param: null, code: 'model_not_found'}}},
	{provider: 'OpenAI', type: 'openai', source: OPENAI, name: '404 on the route (base URL without /v1)', status: 404, model: 'gpt-4o-mini', expected: 'protocol', route: true, body: {error: {message: 'Invalid URL (POST /chat/completions)', type: 'invalid_request_error', param: null, code: null}}},
	{provider: 'OpenAI', type: 'openai', source: OPENAI, name: '400 unsupported_parameter', status: 400, model: 'o3-mini', expected: 'bad_request', body: {error: {message: "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.", type: 'invalid_request_error', param: 'max_tokens', code: 'unsupported_parameter'}}},
	{provider: 'OpenAI', type: 'openai', source: OPENAI, name: '400 invalid_request_error with code null', status: 400, model: 'gpt-4o-mini', expected: 'bad_request', body: {error: {message: "Invalid type for 'temperature': expected a decimal, but got a string instead.", type: 'invalid_request_error', param: 'temperature', code: null}}},
	{provider: 'OpenAI', type: 'openai', source: OPENAI, name: '400 context_length_exceeded', status: 400, model: 'gpt-4o-mini', expected: 'context', body: {error: {message: "This model's maximum context length is 128000 tokens.", type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded'}}},
	{provider: 'OpenAI', type: 'openai', source: OPENAI, name: '500 server_error', status: 500, model: 'gpt-4o-mini', expected: 'server', body: {error: {message: 'The server had an error while processing your request. Sorry about that!', type: 'server_error', param: null, code: null}}},
	{provider: 'OpenAI', type: 'openai', source: OPENAI, name: '503 slow_down', status: 503, model: 'gpt-4o-mini', expected: 'server', body: {error: {message: 'Please reduce your rate of requests.', type: 'service_unavailable_error', param: null, code: 'slow_down'}}},

	// Azure OpenAI
	{provider: 'Azure OpenAI', type: 'azure-openai', source: AZURE, name: '404 DeploymentNotFound', status: 404, model: 'gpt4o-prod', expected: 'model_not_found', body: {error: {code: 'DeploymentNotFound', message: 'The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.'}}},
	{provider: 'Azure OpenAI', type: 'azure-openai', source: AZURE, name: '401 wrong key or endpoint', status: 401, model: 'gpt4o-prod', expected: 'auth', body: {error: {code: '401', message: 'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.'}}},
	{provider: 'Azure OpenAI', type: 'azure-openai', source: AZURE, name: '429 token rate limit', status: 429, model: 'gpt4o-prod', expected: 'rate_limited', headers: {'retry-after': '6'}, body: {error: {code: '429', message: 'Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded token rate limit of your current OpenAI S0 pricing tier. Please retry after 6 seconds.'}}},
	{provider: 'Azure OpenAI', type: 'azure-openai', source: AZURE, name: '404 resource path not found', status: 404, model: 'gpt4o-prod', expected: 'protocol', route: true, body: {error: {code: '404', message: 'Resource not found'}}},
	{provider: 'Azure OpenAI', type: 'azure-openai', source: AZURE, name: '400 content_filter', status: 400, model: 'gpt4o-prod', expected: 'bad_request', body: {error: {message: "The response was filtered due to the prompt triggering Azure OpenAI's content management policy.", type: null, param: 'prompt', code: 'content_filter', status: 400}}},

	// Anthropic (OpenAI-compatible endpoint)
	{provider: 'Anthropic', type: 'anthropic', source: ANTHROPIC, name: '401 authentication_error', status: 401, model: 'claude-sonnet-4-5', expected: 'auth', body: {type: 'error', error: {type: 'authentication_error', message: 'invalid x-api-key'}}},
	{provider: 'Anthropic', type: 'anthropic', source: ANTHROPIC, name: '404 not_found_error naming the model', status: 404, model: 'claude-nope-1', expected: 'model_not_found', body: {type: 'error', error: {type: 'not_found_error', message: 'model: claude-nope-1'}}},
	{provider: 'Anthropic', type: 'anthropic', source: ANTHROPIC, name: '404 not_found_error on the path', status: 404, model: 'claude-sonnet-4-5', expected: 'protocol', route: true, body: {type: 'error', error: {type: 'not_found_error', message: 'Not Found'}}},
	{provider: 'Anthropic', type: 'anthropic', source: ANTHROPIC, name: '400 invalid_request_error: credit balance', status: 400, model: 'claude-sonnet-4-5', expected: 'quota', body: {type: 'error', error: {type: 'invalid_request_error', message: 'Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.'}}},
	{provider: 'Anthropic', type: 'anthropic', source: ANTHROPIC, name: '400 invalid_request_error', status: 400, model: 'claude-sonnet-4-5', expected: 'bad_request', body: {type: 'error', error: {type: 'invalid_request_error', message: 'max_tokens: Field required'}}},
	{provider: 'Anthropic', type: 'anthropic', source: ANTHROPIC, name: '413 request_too_large', status: 413, model: 'claude-sonnet-4-5', expected: 'context', body: {type: 'error', error: {type: 'request_too_large', message: 'Request exceeds the maximum allowed number of bytes.'}}},
	{provider: 'Anthropic', type: 'anthropic', source: ANTHROPIC, name: '429 rate_limit_error', status: 429, model: 'claude-sonnet-4-5', expected: 'rate_limited', headers: {'retry-after': '12'}, body: {type: 'error', error: {type: 'rate_limit_error', message: 'Number of request tokens has exceeded your per-minute rate limit.'}}},
	{provider: 'Anthropic', type: 'anthropic', source: ANTHROPIC, name: '500 api_error', status: 500, model: 'claude-sonnet-4-5', expected: 'server', body: {type: 'error', error: {type: 'api_error', message: 'Internal server error'}}},
	{provider: 'Anthropic', type: 'anthropic', source: ANTHROPIC, name: '529 overloaded_error', status: 529, model: 'claude-sonnet-4-5', expected: 'server', body: {type: 'error', error: {type: 'overloaded_error', message: 'Overloaded'}}},

	// Gemini (OpenAI-compatible endpoint)
	{provider: 'Gemini', type: 'gemini', source: GEMINI, name: '400 INVALID_ARGUMENT: API key not valid', status: 400, model: 'gemini-2.5-flash', expected: 'auth', body: [{error: {code: 400, message: 'API key not valid. Please pass a valid API key.', status: 'INVALID_ARGUMENT', details: [{'@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com'}]}}]},
	{provider: 'Gemini', type: 'gemini', source: GEMINI, name: '400 INVALID_ARGUMENT', status: 400, model: 'gemini-2.5-flash', expected: 'bad_request', body: [{error: {code: 400, message: 'Invalid JSON payload received. Unknown name "frobnicate": Cannot find field.', status: 'INVALID_ARGUMENT'}}]},
	{provider: 'Gemini', type: 'gemini', source: GEMINI, name: '403 PERMISSION_DENIED', status: 403, model: 'gemini-2.5-flash', expected: 'permission', body: [{error: {code: 403, message: 'Generative Language API has not been used in project 123 before or it is disabled.', status: 'PERMISSION_DENIED'}}]},
	{provider: 'Gemini', type: 'gemini', source: GEMINI, name: '404 NOT_FOUND naming the model', status: 404, model: 'gemini-9-pro', expected: 'model_not_found', body: [{error: {code: 404, message: 'models/gemini-9-pro is not found for API version v1main, or is not supported for generateContent.', status: 'NOT_FOUND'}}]},
	{provider: 'Gemini', type: 'gemini', source: GEMINI, name: '404 with no body on a wrong path', status: 404, model: 'gemini-2.5-flash', expected: 'protocol', route: true, body: '', inStream: null},
	{provider: 'Gemini', type: 'gemini', source: GEMINI, name: '429 RESOURCE_EXHAUSTED: quota', status: 429, model: 'gemini-2.5-flash', expected: 'quota', body: [{error: {code: 429, message: 'You exceeded your current quota, please check your plan and billing details.', status: 'RESOURCE_EXHAUSTED'}}]},
	{provider: 'Gemini', type: 'gemini', source: GEMINI, name: '429 RESOURCE_EXHAUSTED: rate', status: 429, model: 'gemini-2.5-flash', expected: 'rate_limited', body: [{error: {code: 429, message: 'Resource has been exhausted (e.g. check quota).', status: 'RESOURCE_EXHAUSTED'}}]},
	{provider: 'Gemini', type: 'gemini', source: GEMINI, name: '503 UNAVAILABLE', status: 503, model: 'gemini-2.5-flash', expected: 'server', body: [{error: {code: 503, message: 'The model is overloaded. Please try again later.', status: 'UNAVAILABLE'}}]},

	// Groq
	{provider: 'Groq', type: 'groq', source: GROQ, name: '401 invalid_api_key', status: 401, model: 'llama-3.1-8b-instant', expected: 'auth', body: {error: {message: 'Invalid API Key', type: 'invalid_request_error', code: 'invalid_api_key'}}},
	{provider: 'Groq', type: 'groq', source: GROQ, name: '404 unknown_url', status: 404, model: 'llama-3.1-8b-instant', expected: 'protocol', route: true, body: {error: {message: 'Unknown request URL: POST /openai/chat/completions. Please check the URL for typos, or see the docs at https://console.groq.com/docs/', type: 'invalid_request_error', code: 'unknown_url'}}},
	{provider: 'Groq', type: 'groq', source: GROQ, name: '404 model_not_found', status: 404, model: 'llama-9', expected: 'model_not_found', body: {error: {message: 'The model `llama-9` does not exist or you do not have access to it.', type: 'invalid_request_error', code: 'model_not_found'}}},
	{provider: 'Groq', type: 'groq', source: GROQ, name: '429 tokens', status: 429, model: 'llama-3.3-70b-versatile', expected: 'rate_limited', headers: {'retry-after': '7'}, body: {error: {message: 'Rate limit reached for model `llama-3.3-70b-versatile` on tokens per minute (TPM): Limit 6000, Used 5800, Requested 700.', type: 'tokens', code: 'rate_limit_exceeded'}}},

	// Mistral
	{provider: 'Mistral', type: 'mistral', source: MISTRAL, name: '400 invalid_model (flat body)', status: 400, model: 'mistral-nope', expected: 'model_not_found', inStream: null, body: {object: 'error', message: 'Invalid model: mistral-nope', type: 'invalid_model', param: null, code: '1500'}},
	{provider: 'Mistral', type: 'mistral', source: MISTRAL, name: '401 Unauthorized', status: 401, model: 'mistral-small-latest', expected: 'auth', inStream: null, body: {message: 'Unauthorized', request_id: 'b1c2'}},
	{provider: 'Mistral', type: 'mistral', source: MISTRAL, name: '422 validation (flat body, nested detail)', status: 422, model: 'mistral-small-latest', expected: 'bad_request', inStream: null, body: {object: 'error', message: {detail: [{type: 'greater_than_equal', loc: ['body', 'max_tokens'], msg: 'Input should be greater than or equal to 0'}]}, type: 'invalid_request_error', param: null, code: null}},
	{provider: 'Mistral', type: 'mistral', source: MISTRAL, name: '429 rate limit', status: 429, model: 'mistral-small-latest', expected: 'rate_limited', inStream: null, body: {message: 'Requests rate limit exceeded'}},

	// OpenRouter
	{provider: 'OpenRouter', type: 'openrouter', source: OPENROUTER, name: '401 no credentials', status: 401, model: 'openai/gpt-4o-mini', expected: 'auth', body: {error: {code: 401, message: 'No auth credentials found'}}},
	{provider: 'OpenRouter', type: 'openrouter', source: OPENROUTER, name: '402 insufficient credits', status: 402, model: 'openai/gpt-4o-mini', expected: 'quota', body: {error: {code: 402, message: 'Insufficient credits. Add more using https://openrouter.ai/credits'}}},
	{provider: 'OpenRouter', type: 'openrouter', source: OPENROUTER, name: '400 not a valid model ID', status: 400, model: 'nope/model', expected: 'model_not_found', body: {error: {code: 400, message: 'nope/model is not a valid model ID'}}},
	{provider: 'OpenRouter', type: 'openrouter', source: OPENROUTER, name: '403 moderation', status: 403, model: 'openai/gpt-4o-mini', expected: 'permission', body: {error: {code: 403, message: 'openai/gpt-4o-mini requires moderation on OpenRouter. Your input was flagged.', metadata: {reasons: ['harassment']}}}},
	{provider: 'OpenRouter', type: 'openrouter', source: OPENROUTER, name: '408 timed out', status: 408, model: 'openai/gpt-4o-mini', expected: 'timeout', body: {error: {code: 408, message: 'Timed out'}}},
	{provider: 'OpenRouter', type: 'openrouter', source: OPENROUTER, name: '429 rate limited', status: 429, model: 'meta-llama/llama-3.3-70b-instruct:free', expected: 'rate_limited', body: {error: {code: 429, message: 'Rate limit exceeded: free-models-per-min.'}}},
	{provider: 'OpenRouter', type: 'openrouter', source: OPENROUTER, name: '502 model down', status: 502, model: 'openai/gpt-4o-mini', expected: 'server', body: {error: {code: 502, message: 'Provider returned error', metadata: {provider_name: 'OpenAI'}}}},

	// Together
	{provider: 'Together', type: 'together', source: TOGETHER, name: '401 invalid_api_key', status: 401, model: 'meta-llama/Llama-3.3-70B-Instruct-Turbo', expected: 'auth', body: {error: {message: 'Invalid API key provided. You can find your API key at https://api.together.xyz/settings/api-keys.', type: 'invalid_request_error', param: null, code: 'invalid_api_key'}}},
	{provider: 'Together', type: 'together', source: TOGETHER, name: '402 credit limit', status: 402, model: 'meta-llama/Llama-3.3-70B-Instruct-Turbo', expected: 'quota', body: {error: {message: 'Credit limit exceeded. Please navigate to https://api.together.xyz/settings/billing to add credit or upgrade your plan.', type: 'credit_limit', param: null, code: null}}},
	{provider: 'Together', type: 'together', source: TOGETHER, name: '404 model_not_found', status: 404, model: 'nope/model', expected: 'model_not_found', body: {id: 'o1', error: {message: 'Unable to access model nope/model. Please visit https://api.together.ai/models to view the list of supported models.', type: 'invalid_request_error', param: null, code: 'model_not_found'}}},
	{provider: 'Together', type: 'together', source: TOGETHER, name: '429 rate limit', status: 429, model: 'meta-llama/Llama-3.3-70B-Instruct-Turbo', expected: 'rate_limited', body: {error: {message: 'You are on tier Free, which offers 3 queries per minute. Please upgrade.', type: 'rate_limit', param: null, code: null}}},
	{provider: 'Together', type: 'together', source: TOGETHER, name: '503 engine overloaded', status: 503, model: 'meta-llama/Llama-3.3-70B-Instruct-Turbo', expected: 'server', body: {error: {message: 'The server is overloaded or not ready yet.', type: 'server_error', param: null, code: null}}},

	// DeepSeek
	{provider: 'DeepSeek', type: 'deepseek', source: DEEPSEEK, name: '401 Authentication Fails', status: 401, model: 'deepseek-chat', expected: 'auth', body: {error: {message: 'Authentication Fails, Your api key: ****wxyz is invalid', type: 'authentication_error', param: null, code: 'invalid_request_error'}}},
	{provider: 'DeepSeek', type: 'deepseek', source: DEEPSEEK, name: '402 Insufficient Balance', status: 402, model: 'deepseek-chat', expected: 'quota', body: {error: {message: 'Insufficient Balance', type: 'unknown_error', param: null, code: 'invalid_request_error'}}},
	{provider: 'DeepSeek', type: 'deepseek', source: DEEPSEEK, name: '400 Model Not Exist', status: 400, model: 'deepseek-nope', expected: 'model_not_found', body: {error: {message: 'Model Not Exist', type: 'invalid_request_error', param: null, code: 'invalid_request_error'}}},
	{provider: 'DeepSeek', type: 'deepseek', source: DEEPSEEK, name: '422 Invalid Parameters', status: 422, model: 'deepseek-chat', expected: 'bad_request', body: {error: {message: 'Invalid max_tokens value, the valid range of max_tokens is [1, 8192]', type: 'invalid_request_error', param: null, code: 'invalid_request_error'}}},
	{provider: 'DeepSeek', type: 'deepseek', source: DEEPSEEK, name: '503 Server Overloaded', status: 503, model: 'deepseek-chat', expected: 'server', body: {error: {message: 'Server Overloaded', type: 'server_error', param: null, code: null}}},

	// Ollama
	{provider: 'Ollama', type: 'ollama', source: OLLAMA, name: '404 model not found', status: 404, model: 'llama9', expected: 'model_not_found', body: {error: {message: 'model "llama9" not found, try pulling it first', type: 'not_found_error', param: null, code: null}}},
	{provider: 'Ollama', type: 'ollama', source: OLLAMA, name: '404 page not found (path without /v1)', status: 404, model: 'llama3.2', expected: 'protocol', route: true, inStream: null, body: '404 page not found'},
	{provider: 'Ollama', type: 'ollama', source: OLLAMA, name: '400 invalid_request_error', status: 400, model: 'llama3.2', expected: 'bad_request', body: {error: {message: 'invalid message content type', type: 'invalid_request_error', param: null, code: null}}},
	{provider: 'Ollama', type: 'ollama', source: OLLAMA, name: '500 api_error', status: 500, model: 'llama3.2', expected: 'server', body: {error: {message: 'model requires more system memory (16.0 GiB) than is available (7.5 GiB)', type: 'api_error', param: null, code: null}}},

	// vLLM
	{provider: 'vLLM', type: 'vllm', source: VLLM, name: '404 model does not exist (flat ErrorResponse)', status: 404, model: 'llama-70b', expected: 'model_not_found', inStream: null, body: {object: 'error', message: 'The model `llama-70b` does not exist.', type: 'NotFoundError', param: null, code: 404}},
	{provider: 'vLLM', type: 'vllm', source: VLLM, name: '400 context (nested ErrorResponse)', status: 400, model: 'llama-8b', expected: 'context', body: {error: {message: "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens.", type: 'BadRequestError', param: null, code: 400}}},
	{provider: 'vLLM', type: 'vllm', source: VLLM, name: '400 BadRequestError', status: 400, model: 'llama-8b', expected: 'bad_request', body: {error: {message: 'temperature must be non-negative, got -1.0.', type: 'BadRequestError', param: null, code: 400}}},
	{provider: 'vLLM', type: 'vllm', source: VLLM, name: '404 FastAPI default (path)', status: 404, model: 'llama-8b', expected: 'protocol', route: true, inStream: null, body: {detail: 'Not Found'}},
	{provider: 'vLLM', type: 'vllm', source: VLLM, name: '401 --api-key middleware', status: 401, model: 'llama-8b', expected: 'auth', inStream: null, body: {error: 'Unauthorized'}},

	// LM Studio
	{provider: 'LM Studio', type: 'lmstudio', source: LMSTUDIO, name: '200 "Unexpected endpoint" on a path without /v1', status: 200, model: 'qwen2.5-7b-instruct', expected: 'protocol', route: true, inStream: null, body: {error: 'Unexpected endpoint or method. (POST /chat/completions)'}},
];

/** The value sent inside an SSE `{"error": …}` event for a shape, or null when it has none. */
export function streamedError(shape: ErrorShape): unknown | null {
	if (shape.inStream !== undefined) return shape.inStream;
	const body = Array.isArray(shape.body) ? shape.body[0] : shape.body;
	if (body && typeof body === 'object' && 'error' in body) return (body as {error: unknown}).error;
	return null;
}
