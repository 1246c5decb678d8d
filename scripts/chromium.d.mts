export declare const CHROMIUM: string;
export declare const HEADLESS_ARGS: readonly string[];
export declare const FAKE_MEDIA_ARGS: readonly string[];
