/**
 * The provider layer: pure logic and HTTP, no database. Services import from
 * here; the `openai` SDK itself stays behind `createClient` and loads lazily.
 */
export {createClient, fetchModelList, listModels, preloadClient, DEFAULT_LIST_TIMEOUT_MS, type ModelListResult, type ProviderConnection, type ServedModels} from './client.js';
export {
	baseUrlHint,
	classifyError,
	errorClasses,
	hintForClass,
	isRetryable,
	readRetryAfter,
	MESSAGE_LIMIT,
	ProviderError,
	ProviderTimeoutError,
	type ClassifiedError,
	type ErrorClass,
	type ErrorContext,
	type ErrorInput,
} from './errors.js';
export {authHeaders, endpointUrl, normaliseModelList, requestHeaders, requestModel, type ProviderEndpoint} from './families.js';
export {createLimiter, describeLimits, startSpacingMs, type Limiter, type RateLimits} from './limiter.js';
export {createRedactor, redactSecret, redactValues, secretForms, StreamRedactor, untrustedTextStage, MIN_FRAGMENT, REDACTED, type Secrets, type TextStage} from './redact.js';
export {sanitizeText, TerminalSanitizer, STRING_SEQUENCE_CAP} from '../lib/sanitize.js';
export {
	smoke,
	smokeRequestBody,
	outputBudget,
	estimateTokens,
	EXCERPT_LENGTH,
	MAX_RETRY_WAIT_MS,
	type SmokeEvent,
	type SmokeMetrics,
	type SmokeRequest,
} from './smoke.js';
export {modelListAttempts, modelListVerdict, modelsProbe, verdictEvents, ZERO_TOKENS, type ModelVerdict, type ModelsProbeRequest} from './probe.js';
