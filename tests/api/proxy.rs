//! A TCP proxy between the server and PostgreSQL that a test can cut:
//! every open connection is dropped and new ones are closed on arrival,
//! as in an outage or a network partition, until it is restored.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// A running proxy to one upstream address.
pub(crate) struct Proxy {
    /// `127.0.0.1:port` to connect to instead of the upstream.
    pub address: String,
    down: Arc<AtomicBool>,
    cuts: watch::Sender<u64>,
}

impl Proxy {
    /// Starts forwarding to `upstream` (`host:port`).
    pub(crate) async fn start(upstream: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let down = Arc::new(AtomicBool::new(false));
        let (cuts, _) = watch::channel(0u64);
        let (flag, notices, upstream) = (down.clone(), cuts.clone(), upstream.to_owned());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                if flag.load(Ordering::SeqCst) {
                    continue; // dropped: closed on arrival
                }
                let cut = notices.subscribe();
                let upstream = upstream.clone();
                tokio::spawn(forward(client, upstream, cut));
            }
        });
        Self {
            address,
            down,
            cuts,
        }
    }

    /// Drops every connection and refuses new ones.
    pub(crate) fn cut(&self) {
        self.down.store(true, Ordering::SeqCst);
        self.cuts.send_modify(|n| *n += 1);
    }

    /// Lets connections through again.
    pub(crate) fn restore(&self) {
        self.down.store(false, Ordering::SeqCst);
    }

    /// Drops every open connection once, leaving the proxy up.
    pub(crate) fn drop_connections(&self) {
        self.cuts.send_modify(|n| *n += 1);
    }
}

async fn forward(mut client: TcpStream, upstream: String, mut cut: watch::Receiver<u64>) {
    let Ok(mut server) = TcpStream::connect(&upstream).await else {
        return;
    };
    tokio::select! {
        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
        _ = cut.changed() => {}
    }
}

/// The `host:port` a PostgreSQL URL points at.
pub(crate) fn upstream(database_url: &str) -> String {
    let url = reqwest::Url::parse(database_url).unwrap();
    format!("{}:{}", url.host_str().unwrap(), url.port().unwrap_or(5432))
}

/// `database_url`, going through `proxy` instead.
pub(crate) fn through(proxy: &Proxy, database_url: &str) -> String {
    let mut url = reqwest::Url::parse(database_url).unwrap();
    let port: u16 = proxy.address.rsplit_once(':').unwrap().1.parse().unwrap();
    url.set_port(Some(port)).unwrap();
    url.to_string()
}
