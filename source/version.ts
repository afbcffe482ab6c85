declare const EVAL752_VERSION: string | undefined;

/** Replaced at build time; read from package.json when running from source (tests). */
export const version: string =
	typeof EVAL752_VERSION === 'string' ? EVAL752_VERSION : ((await import('../package.json', {with: {type: 'json'}})).default as {version: string}).version;
