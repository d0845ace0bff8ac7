//! `subscriptions/listen` for tasks: a client that declared the Tasks
//! extension names the tasks it follows (`notifications.taskIds`) and gets
//! a stream: the acknowledgement first (the tasks it will hear about),
//! then one `notifications/tasks` per task as it settles (a whole
//! `DetailedTask`, as `tasks/get` would show it), each frame tagged with
//! the listen request's id. A settlement made on another replica arrives
//! as fast as a wait there hears it (NOTIFY, or polling). When every task
//! it follows has settled, nothing more can come, so the stream ends with
//! an empty result.
//!
//! The extension's "Task Status Notifications" and the 2026-07-28
//! `subscriptions/listen` request (acknowledgement, subscription id):
//! `specification/draft/tasks.md` in
//! <https://github.com/modelcontextprotocol/ext-tasks>, and
//! <https://modelcontextprotocol.io/specification/2026-07-28/basic/utilities/subscriptions>.

use std::time::Duration;

use serde_json::{Map, Value, json};
use tokio::sync::mpsc;

use super::jsonrpc::{self, MISSING_CAPABILITY, RpcError};
use super::server::{Call, McpServer, Reply, one};
use super::task::{EXTENSION, detailed};
use crate::domain::{PauseId, PauseState};

/// Most tasks one stream follows.
const MAX_TASKS: usize = 100;
/// How long one wait lasts before it is renewed.
const WAIT: Duration = Duration::from_secs(60);
const SUBSCRIPTION_KEY: &str = "io.modelcontextprotocol/subscriptionId";

impl McpServer {
    /// `subscriptions/listen`.
    pub(super) async fn listen(
        &self,
        call: &Call<'_>,
        id: Value,
        params: &Map<String, Value>,
    ) -> Reply {
        if !call.tasks {
            let error = RpcError {
                data: Some(json!({"requiredCapabilities": {"extensions": {EXTENSION: {}}}})),
                ..RpcError::new(MISSING_CAPABILITY, "missing required client capability")
            };
            return one(&id, Err(error), call.modern);
        }
        let asked = params["notifications"]["taskIds"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if asked.len() > MAX_TASKS {
            let why = format!("notifications.taskIds: at most {MAX_TASKS} tasks per stream");
            return one(
                &id,
                Err(RpcError::invalid_params("notifications.taskIds", why)),
                call.modern,
            );
        }
        let mut followed = Vec::new();
        for task in asked
            .iter()
            .filter_map(Value::as_str)
            .filter_map(PauseId::parse)
        {
            if self.pauses.get(&task).await.is_ok() && !followed.contains(&task) {
                followed.push(task);
            }
        }
        let tag = json!({ SUBSCRIPTION_KEY: id });
        let (sender, receiver) = mpsc::channel(16);
        let ack = jsonrpc::notification(
            "notifications/subscriptions/acknowledged",
            json!({"notifications": {"taskIds": followed}, "_meta": tag}),
        );
        let _ = sender.send(ack).await;
        let server = self.clone();
        let modern = call.modern;
        tokio::spawn(async move {
            let watchers: Vec<_> = followed
                .into_iter()
                .map(|task| {
                    let (server, sender, tag) = (server.clone(), sender.clone(), tag.clone());
                    tokio::spawn(async move { server.follow(task, &sender, tag).await })
                })
                .collect();
            for watcher in watchers {
                let _ = watcher.await;
            }
            if let Reply::One { message, .. } = one(&id, Ok(json!({"_meta": tag})), modern) {
                let _ = sender.send(message).await;
            }
        });
        Reply::Stream(receiver)
    }

    /// Waits for `task` to settle, then says so on `stream`; gives up when
    /// the client has gone or the server is stopping.
    async fn follow(&self, task: PauseId, stream: &mpsc::Sender<Value>, tag: Value) {
        loop {
            let pause = tokio::select! {
                pause = self.pauses.wait(&task, WAIT) => pause,
                () = stream.closed() => return,
                () = self.shutdown.cancelled() => return,
            };
            let Ok(pause) = pause else { return };
            if pause.state != PauseState::Pending {
                let mut state = detailed(&pause);
                state["_meta"] = tag;
                let _ = stream
                    .send(jsonrpc::notification("notifications/tasks", state))
                    .await;
                return;
            }
        }
    }
}
