//! A real SMTP server for the tests (mailin-embedded), speaking the whole
//! conversation over TCP. It keeps every message it accepts, and refuses
//! recipients at `bounce.example.com` with 550, as a real server refuses an
//! unknown mailbox.

use std::io;
use std::net::{IpAddr, SocketAddr, TcpListener};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mailin_embedded::response::{NO_MAILBOX, OK};
use mailin_embedded::{Handler, Response, Server, SslConfig};

/// One accepted message.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    /// Envelope recipients.
    pub to: Vec<String>,
    /// The raw message.
    pub raw: Vec<u8>,
}

impl Received {
    /// The message parsed as MIME.
    pub(crate) fn parsed(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default()
            .parse(&self.raw)
            .unwrap()
    }

    /// The decoded plain-text part.
    pub(crate) fn text(&self) -> String {
        self.parsed().body_text(0).unwrap().into_owned()
    }

    /// The review link in the plain-text part.
    pub(crate) fn link(&self) -> String {
        let text = self.text();
        let at = text.find("http://").expect("the email holds a link");
        text[at..].split_whitespace().next().unwrap().to_owned()
    }
}

#[derive(Clone)]
struct Collector {
    inbox: Arc<Mutex<Vec<Received>>>,
    to: Vec<String>,
    raw: Vec<u8>,
}

impl Handler for Collector {
    fn rcpt(&mut self, to: &str) -> Response {
        if to.ends_with("@bounce.example.com") {
            NO_MAILBOX
        } else {
            OK
        }
    }

    fn data_start(&mut self, _domain: &str, _from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.to = to.to_vec();
        self.raw.clear();
        OK
    }

    fn data(&mut self, buf: &[u8]) -> io::Result<()> {
        self.raw.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let received = Received {
            to: std::mem::take(&mut self.to),
            raw: std::mem::take(&mut self.raw),
        };
        self.inbox.lock().unwrap().push(received);
        OK
    }

    fn helo(&mut self, _ip: IpAddr, _domain: &str) -> Response {
        OK
    }
}

/// A running SMTP server and what it received.
pub(crate) struct SmtpServer {
    pub addr: SocketAddr,
    inbox: Arc<Mutex<Vec<Received>>>,
}

impl SmtpServer {
    /// Starts a server on a free port.
    pub(crate) fn start() -> Self {
        Self::start_on(TcpListener::bind("127.0.0.1:0").unwrap())
    }

    /// Starts a server on `listener`.
    pub(crate) fn start_on(listener: TcpListener) -> Self {
        let addr = listener.local_addr().unwrap();
        let inbox: Arc<Mutex<Vec<Received>>> = Arc::default();
        let handler = Collector {
            inbox: inbox.clone(),
            to: Vec::new(),
            raw: Vec::new(),
        };
        let mut server = Server::new(handler);
        server
            .with_name("localhost")
            .with_ssl(SslConfig::None)
            .unwrap()
            .with_tcp_listener(listener);
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        Self { addr, inbox }
    }

    /// Everything received so far.
    pub(crate) fn received(&self) -> Vec<Received> {
        self.inbox.lock().unwrap().clone()
    }

    /// Waits until `count` messages have arrived.
    pub(crate) async fn wait_for(&self, count: usize) -> Vec<Received> {
        for _ in 0..200 {
            if self.received().len() >= count {
                return self.received();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("expected {count} messages, got {}", self.received().len());
    }
}

/// The `[email]` section for a server at `addr`.
pub(crate) fn email_config(addr: SocketAddr) -> String {
    format!(
        "[email]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\nfrom = \"Approvals <approvals@example.com>\"\n",
        addr.port()
    )
}
