#!/usr/bin/env python3
"""A recording SMTP server for the integration tests (aiosmtpd, from PyPI).

Listens on 127.0.0.1 on a port the OS picks and prints that port on the first line of stdout.
Each message it accepts is written to DIR as NNNN.json: the envelope (mail_from, rcpt_tos),
the headers, and the subject and the plain and HTML parts decoded by Python's email package.

Faults, for the tests of retries (--fault):
  none      accept everything
  temp:N    answer the first N DATA commands with 451 (try again later)
  perm      answer every DATA command with 550 (mailbox unavailable)
  drop:N    record the first N messages, then drop the connection before replying
  reject:S  answer DATA with 550 5.1.1 when the recipient's address contains S (a bounce)
The address confirmations every registration sends are never faulted: the faults meet the
emails a test is about.
"""

import argparse
import asyncio
import email
import email.policy
import json
import os

from aiosmtpd.smtp import SMTP


class Recorder:
    def __init__(self, directory, fault):
        self.directory = directory
        self.kind, _, n = fault.partition(":")
        self.arg = n
        self.left = int(n) if n and n.isdigit() else 0
        self.count = 0

    @staticmethod
    def is_confirmation(envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        text = msg.get_body(preferencelist=("plain",))
        return text is not None and "/verify?token=" in text.get_content()

    def record(self, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        text = msg.get_body(preferencelist=("plain",))
        html = msg.get_body(preferencelist=("html",))
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "headers": [[k, str(v)] for k, v in msg.items()],
            "subject": str(msg["subject"] or ""),
            "text": text.get_content() if text is not None else "",
            "html": html.get_content() if html is not None else "",
            "raw": envelope.content.decode("utf-8", "replace"),
        }
        self.count += 1
        path = os.path.join(self.directory, "%04d.json" % self.count)
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=False)
        os.rename(path + ".tmp", path)

    async def handle_DATA(self, server, session, envelope):
        if self.is_confirmation(envelope):
            self.record(envelope)
            return "250 OK"
        if self.kind == "temp" and self.left > 0:
            self.left -= 1
            return "451 4.3.0 Try again later (test)"
        if self.kind == "reject" and any(self.arg in r for r in envelope.rcpt_tos):
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown (test)" % envelope.rcpt_tos[0]
        if self.kind == "perm":
            return "550 5.1.1 Mailbox unavailable (test)"
        self.record(envelope)
        if self.kind == "drop" and self.left > 0:
            self.left -= 1
            server.transport.abort()
        return "250 OK"


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--fault", default="none")
    args = parser.parse_args()
    recorder = Recorder(args.dir, args.fault)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(recorder, hostname="smtp.test", decode_data=False),
        host="127.0.0.1",
        port=0,
    )
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
