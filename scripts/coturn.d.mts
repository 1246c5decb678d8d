export declare const TURNSERVER: string;
export declare const HAVE_TURNSERVER: boolean;
export interface Coturn {
  port: number;
  urls: string[];
  secret: string;
  log(): string;
  close(): Promise<void>;
}
export declare function startCoturn(options?: { relayPorts?: number }): Promise<Coturn>;
