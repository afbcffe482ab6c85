export * from './types.js';
export * from './connect.js';
export * from './migrate.js';
export * from './changes.js';
export {openEmbedded, embeddedExists} from './embedded.js';
export {DataDirInUse} from './lock.js';
