// Types of web-bundle.mjs for the TypeScript tests that build the admin page before they serve it.
export declare const WEB_SOURCE_DIR: string;
export declare const WEB_BUNDLE_DIR: string;
export declare function buildWebBundle(outDir?: string): Promise<string>;
