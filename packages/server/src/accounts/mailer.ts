import type { Logger } from '@latchkey/core/node';
import nodemailer from 'nodemailer';

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

/** Sends account mail: SMTP when LATCHKEY_SMTP_URL is set, else the log (development). */
export interface Mailer {
  /** Whether mail really leaves the process (verification and reset links need it). */
  readonly delivers: boolean;
  send(mail: Mail): Promise<void>;
  close(): void;
}

/**
 * `smtp://user:pass@host:port` (STARTTLS when offered) or `smtps://…` (TLS); the
 * sender is LATCHKEY_MAIL_FROM. Failures are logged, never thrown at the request that
 * caused the mail: an account answer must not reveal whether a mail was sent.
 */
export function createSmtpMailer(url: string, from: string, log: Logger): Mailer {
  const transport = nodemailer.createTransport(url);
  return {
    delivers: true,
    async send(mail) {
      try {
        await transport.sendMail({ from, ...mail });
      } catch (error) {
        log.error('mail not sent', { subject: mail.subject, error: String(error) });
      }
    },
    close: () => transport.close(),
  };
}

/**
 * Development (no LATCHKEY_SMTP_URL): the mail goes to the terminal, link and all, for
 * the person running the server. It bypasses the log on purpose: the log masks
 * token-shaped text, and here the link is the point. Silent when the log is.
 */
export function createLogMailer(
  log: Logger,
  write: (text: string) => void = (text) => process.stderr.write(text),
  silent = false,
): Mailer {
  return {
    delivers: false,
    async send(mail) {
      log.info('mail not sent (LATCHKEY_SMTP_URL is unset); printed below', { to: mail.to });
      if (!silent) write(`\n--- mail to ${mail.to}: ${mail.subject}\n${mail.text}\n---\n\n`);
    },
    close() {},
  };
}
