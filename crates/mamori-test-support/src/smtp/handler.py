"""The aiosmtpd handler of mamori's SMTP test server (mamori_test_support::smtp).

Each DATA takes the next reply from the replies file (250 once the file is empty). A message
answered 250 is stored before the reply goes out, as `new/NNNNNN.PID.eml` in a Maildir, numbered
in arrival order (a restarted server goes on from the files already there), with the headers
aiosmtpd's own Message handlers add (X-Peer, X-MailFrom, X-RcptTo) in front of the bytes exactly
as received. With a delay, the reply waits that long after the message was stored, so a client
killed meanwhile leaves a message the server has but the client never saw accepted.
"""

import asyncio
import os


class Recorder:
    def __init__(self, maildir, replies, delay):
        self.maildir = maildir
        self.replies = replies
        self.delay = float(delay)
        for folder in ("tmp", "new", "cur"):
            os.makedirs(os.path.join(maildir, folder), exist_ok=True)
        self.count = len(os.listdir(os.path.join(maildir, "new")))

    @classmethod
    def from_cli(cls, parser, *args):
        return cls(*args)

    def next_reply(self):
        with open(self.replies, encoding="utf-8") as file:
            lines = file.read().splitlines()
        if not lines:
            return "250 OK"
        with open(self.replies, "w", encoding="utf-8") as file:
            file.write("".join(line + "\n" for line in lines[1:]))
        return lines[0]

    async def handle_DATA(self, server, session, envelope):
        reply = self.next_reply()
        if reply.startswith("250"):
            self.count += 1
            name = "%06d.%d.eml" % (self.count, os.getpid())
            header = "X-Peer: %s\r\nX-MailFrom: %s\r\nX-RcptTo: %s\r\n" % (
                session.peer,
                envelope.mail_from,
                ", ".join(envelope.rcpt_tos),
            )
            temporary = os.path.join(self.maildir, "tmp", name)
            with open(temporary, "wb") as file:
                file.write(header.encode() + envelope.original_content)
                file.flush()
                os.fsync(file.fileno())
            os.rename(temporary, os.path.join(self.maildir, "new", name))
        if self.delay > 0:
            await asyncio.sleep(self.delay)
        return reply
