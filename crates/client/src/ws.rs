//! The WebSocket gateway from Rust: connect, authenticate, wait for `ready`, then send
//! `ClientFrame`s and read `ServerFrame`s. `request` pairs a frame with its `ack` or `error`
//! by `req_id`, keeping any other frames that arrive meanwhile for `next`.
//!
//! `wss://` (an `https://` base URL) goes through rustls with [`TrustedRoots`]: the system's
//! roots and those the caller added. One `Socket` is one connection; a program that must
//! survive disconnects uses [`crate::session::Session`], which reconnects and resumes.

use std::collections::VecDeque;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use protocol::conversations::{Message, SendMessage};
use protocol::ws::{AckResult, ClientFrame, ServerFrame};
use protocol::{ConversationId, ErrorCode};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{self, Message as WsMessage};
use tokio_tungstenite::{Connector, MaybeTlsStream, WebSocketStream};
use url::Url;
use uuid::Uuid;

use crate::tls::{TlsError, TrustedRoots};

/// How long `connect` waits for `ready`.
const READY_TIMEOUT: Duration = Duration::from_secs(15);
/// How long `request` waits for its answer.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// Why a socket operation failed.
#[derive(Debug, thiserror::Error)]
pub enum SocketError {
    /// The client has no access token.
    #[error("no access token: call Client::authenticated first")]
    NoToken,
    /// The server closed the connection with this code.
    #[error("closed by the server: {code} {reason}")]
    Closed {
        /// Close code (`protocol::ws::close`).
        code: u16,
        /// Its reason text.
        reason: String,
    },
    /// The server answered a request with an error frame.
    #[error("{code}: {message}")]
    Refused {
        /// Stable error code.
        code: ErrorCode,
        /// Explanation.
        message: String,
    },
    /// Nothing arrived in time.
    #[error("timed out")]
    Timeout,
    /// The server sent something that is not a `ServerFrame`, or not what the protocol promises.
    #[error("unexpected frame: {0}")]
    Unexpected(String),
    /// The connection failed.
    #[error("websocket: {0}")]
    Transport(#[from] tungstenite::Error),
    /// The base URL cannot become a WebSocket URL.
    #[error("invalid URL: {0}")]
    Url(#[from] url::ParseError),
    /// The TLS configuration could not be built.
    #[error("{0}")]
    Tls(#[from] TlsError),
}

/// An authenticated gateway connection.
pub struct Socket {
    stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
    pending: VecDeque<ServerFrame>,
    next_req_id: u64,
}

/// Buffers sized for chat frames. tungstenite's defaults (128 KiB to read, zeroed per socket)
/// made page-zeroing 17 % of all CPU when the load generator opened thousands of sockets; a
/// frame larger than the buffer still arrives whole, the buffer grows for it.
fn config() -> WebSocketConfig {
    WebSocketConfig::default().read_buffer_size(8 * 1024)
}

/// The gateway URL for a server base URL (`http` → `ws`, `https` → `wss`).
pub fn gateway_url(base: &Url) -> Result<Url, SocketError> {
    let mut url = base.join(protocol::ws::WS_PATH.trim_start_matches('/'))?;
    let scheme = if base.scheme() == "https" { "wss" } else { "ws" };
    url.set_scheme(scheme).map_err(|()| SocketError::Unexpected("cannot use a ws scheme".into()))?;
    Ok(url)
}

impl std::fmt::Debug for Socket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Socket").field("pending", &self.pending.len()).finish_non_exhaustive()
    }
}

impl Socket {
    /// Connects, authenticates with `token` and returns the socket with its `ready` frame
    /// (`wss://` trusting the system's roots).
    pub async fn connect(base: &Url, token: &str) -> Result<(Self, ServerFrame), SocketError> {
        Self::connect_trusting(base, token, &TrustedRoots::default()).await
    }

    /// [`Socket::connect`], trusting `roots` for `wss://`.
    pub async fn connect_trusting(
        base: &Url,
        token: &str,
        roots: &TrustedRoots,
    ) -> Result<(Self, ServerFrame), SocketError> {
        let mut socket = Self::open_trusting(base, roots).await?;
        socket.send(&ClientFrame::Authenticate { req_id: 0, token: token.to_owned() }).await?;
        let ready = tokio::time::timeout(READY_TIMEOUT, socket.read()).await.map_err(|_| SocketError::Timeout)??;
        match ready {
            ServerFrame::Ready { .. } => Ok((socket, ready)),
            ServerFrame::Error { error, message, .. } => Err(SocketError::Refused { code: error, message }),
            other => Err(SocketError::Unexpected(format!("{other:?}"))),
        }
    }

    /// Opens the socket without authenticating (for tests of the authentication rules).
    pub async fn open(base: &Url) -> Result<Self, SocketError> {
        Self::open_trusting(base, &TrustedRoots::default()).await
    }

    /// [`Socket::open`], trusting `roots` for `wss://`.
    pub async fn open_trusting(base: &Url, roots: &TrustedRoots) -> Result<Self, SocketError> {
        let url = gateway_url(base)?;
        // Always our connector: tokio-tungstenite's own would ask rustls for a process-wide
        // default provider, which a program linking two providers does not have.
        let connector =
            if url.scheme() == "wss" { Connector::Rustls(roots.rustls_config()?) } else { Connector::Plain };
        let (stream, _) =
            tokio_tungstenite::connect_async_tls_with_config(url.as_str(), Some(config()), true, Some(connector))
                .await?;
        Ok(Self { stream, pending: VecDeque::new(), next_req_id: 1 })
    }

    /// Connects from a chosen local address (the load generator spreads connections over
    /// 127.0.0.x when one address runs out of ephemeral ports), authenticates, waits for `ready`.
    /// A port of 0 lets the system choose one, which scans every socket already bound to that
    /// address (with thousands bound, that scan dominated the load generator's CPU); when the
    /// given port is in use, the system chooses after all.
    pub async fn connect_from(
        base: &Url,
        token: &str,
        local: std::net::SocketAddr,
    ) -> Result<(Self, ServerFrame), SocketError> {
        let url = gateway_url(base)?;
        if url.scheme() == "wss" {
            return Err(SocketError::Unexpected("connect_from speaks ws:// only; use connect for wss://".into()));
        }
        let host = url.host_str().ok_or_else(|| SocketError::Unexpected("no host".into()))?;
        let port = url.port_or_known_default().unwrap_or(80);
        let remote = tokio::net::lookup_host((host, port))
            .await
            .map_err(|e| SocketError::Transport(e.into()))?
            .next()
            .ok_or_else(|| SocketError::Unexpected("no address".into()))?;
        let bound = |port: u16| -> std::io::Result<tokio::net::TcpSocket> {
            let socket =
                if remote.is_ipv4() { tokio::net::TcpSocket::new_v4() } else { tokio::net::TcpSocket::new_v6() }?;
            // A port a previous run left in TIME_WAIT may be bound again.
            socket.set_reuseaddr(true)?;
            socket.bind(std::net::SocketAddr::new(local.ip(), port))?;
            Ok(socket)
        };
        let socket = match bound(local.port()) {
            Err(e) if local.port() != 0 && e.kind() == std::io::ErrorKind::AddrInUse => bound(0),
            other => other,
        }
        .map_err(|e| SocketError::Transport(e.into()))?;
        let tcp = socket.connect(remote).await.map_err(|e| SocketError::Transport(e.into()))?;
        tcp.set_nodelay(true).map_err(|e| SocketError::Transport(e.into()))?;
        let (stream, _) =
            tokio_tungstenite::client_async_with_config(url.as_str(), MaybeTlsStream::Plain(tcp), Some(config()))
                .await?;
        let mut socket = Self { stream, pending: VecDeque::new(), next_req_id: 1 };
        socket.send(&ClientFrame::Authenticate { req_id: 0, token: token.to_owned() }).await?;
        let ready = tokio::time::timeout(READY_TIMEOUT, socket.read()).await.map_err(|_| SocketError::Timeout)??;
        match ready {
            ServerFrame::Ready { .. } => Ok((socket, ready)),
            ServerFrame::Error { error, message, .. } => Err(SocketError::Refused { code: error, message }),
            other => Err(SocketError::Unexpected(format!("{other:?}"))),
        }
    }

    /// A fresh request id.
    pub fn next_req_id(&mut self) -> u64 {
        self.next_req_id += 1;
        self.next_req_id
    }

    /// Sends one frame.
    pub async fn send(&mut self, frame: &ClientFrame) -> Result<(), SocketError> {
        let text = serde_json::to_string(frame).map_err(|e| SocketError::Unexpected(e.to_string()))?;
        self.send_text(text).await
    }

    /// Sends raw text (for tests of malformed input).
    pub async fn send_text(&mut self, text: String) -> Result<(), SocketError> {
        self.stream.send(WsMessage::text(text)).await?;
        Ok(())
    }

    /// Sends raw binary data (for tests).
    pub async fn send_binary(&mut self, data: Vec<u8>) -> Result<(), SocketError> {
        self.stream.send(WsMessage::binary(data)).await?;
        Ok(())
    }

    /// The next server frame (those kept by `request` first).
    pub async fn next(&mut self) -> Result<ServerFrame, SocketError> {
        match self.pending.pop_front() {
            Some(frame) => Ok(frame),
            None => self.read().await,
        }
    }

    /// The next server frame, or `None` if none arrives within `wait`.
    pub async fn next_within(&mut self, wait: Duration) -> Result<Option<ServerFrame>, SocketError> {
        if let Some(frame) = self.pending.pop_front() {
            return Ok(Some(frame));
        }
        match tokio::time::timeout(wait, self.read()).await {
            Ok(frame) => frame.map(Some),
            Err(_) => Ok(None),
        }
    }

    async fn read(&mut self) -> Result<ServerFrame, SocketError> {
        read_frame(&mut self.stream).await
    }

    /// Sends a request and waits for its `ack` (or `error`), keeping other frames for `next`.
    pub async fn request(&mut self, frame: &ClientFrame) -> Result<AckResult, SocketError> {
        let req_id = frame.req_id();
        self.send(frame).await?;
        let wait = async {
            loop {
                match self.read().await? {
                    ServerFrame::Ack { req_id: r, result } if r == req_id => return Ok(result),
                    ServerFrame::Error { req_id: Some(r), error, message, .. } if r == req_id => {
                        return Err(SocketError::Refused { code: error, message });
                    }
                    other => self.pending.push_back(other),
                }
            }
        };
        tokio::time::timeout(REQUEST_TIMEOUT, wait).await.map_err(|_| SocketError::Timeout)?
    }

    /// Sends a message with a fresh `client_msg_id` and returns it as stored.
    pub async fn send_message(&mut self, conversation: ConversationId, body: &str) -> Result<Message, SocketError> {
        let message = SendMessage::new(Uuid::new_v4(), body);
        self.send_message_with(conversation, message).await
    }

    /// Sends a prepared message (choose `client_msg_id` yourself to resend).
    pub async fn send_message_with(
        &mut self,
        conversation: ConversationId,
        message: SendMessage,
    ) -> Result<Message, SocketError> {
        let req_id = self.next_req_id();
        match self.request(&ClientFrame::SendMessage { req_id, conversation_id: conversation, message }).await? {
            AckResult::Message(message) => Ok(*message),
            other => Err(SocketError::Unexpected(format!("{other:?}"))),
        }
    }

    /// Closes the connection politely.
    pub async fn close(mut self) {
        let _ = self.stream.close(None).await;
    }

    /// Splits into a sending and a receiving half, for programs that write and read
    /// concurrently (the load generator). Frames kept by `request` are handed to the reader.
    pub fn into_split(self) -> (SocketSender, SocketReader) {
        let (sink, stream) = self.stream.split();
        (SocketSender { sink }, SocketReader { stream, pending: self.pending })
    }
}

type Stream = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The sending half of a split [`Socket`].
pub struct SocketSender {
    sink: futures_util::stream::SplitSink<Stream, WsMessage>,
}

impl SocketSender {
    /// Sends one frame.
    pub async fn send(&mut self, frame: &ClientFrame) -> Result<(), SocketError> {
        let text = serde_json::to_string(frame).map_err(|e| SocketError::Unexpected(e.to_string()))?;
        self.sink.send(WsMessage::text(text)).await?;
        Ok(())
    }
}

/// The receiving half of a split [`Socket`].
pub struct SocketReader {
    stream: futures_util::stream::SplitStream<Stream>,
    pending: VecDeque<ServerFrame>,
}

impl SocketReader {
    /// The next server frame; `Closed` when the connection ends.
    pub async fn next(&mut self) -> Result<ServerFrame, SocketError> {
        if let Some(frame) = self.pending.pop_front() {
            return Ok(frame);
        }
        read_frame(&mut self.stream).await
    }
}

/// The next server frame from either half of a socket; `Closed` when the connection ends.
async fn read_frame<S>(stream: &mut S) -> Result<ServerFrame, SocketError>
where
    S: futures_util::Stream<Item = Result<WsMessage, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    loop {
        let Some(message) = stream.next().await else {
            return Err(SocketError::Closed { code: 1006, reason: "connection lost".into() });
        };
        match message? {
            WsMessage::Text(text) => {
                return serde_json::from_str(text.as_str())
                    .map_err(|e| SocketError::Unexpected(format!("{e}: {}", text.as_str())));
            }
            WsMessage::Close(frame) => {
                let (code, reason) = frame
                    .map(|f| (u16::from(f.code), f.reason.to_string()))
                    .unwrap_or((u16::from(CloseCode::Status), String::new()));
                return Err(SocketError::Closed { code, reason });
            }
            // tungstenite answers pings itself.
            WsMessage::Ping(_) | WsMessage::Pong(_) | WsMessage::Frame(_) => {}
            WsMessage::Binary(_) => return Err(SocketError::Unexpected("binary frame".into())),
        }
    }
}
