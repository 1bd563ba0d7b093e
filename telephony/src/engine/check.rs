//! Checks of incoming events: their shape, then against the current state
//! (accepted, flagged, or rejected with a reason), and the CRM work an
//! accepted event causes.

use super::*;

impl Engine {
    pub(super) fn check_shape(&self, e: &CtiEvent, now: DateTime<Utc>) -> Result<()> {
        if e.id.trim().is_empty() || e.id.len() > MAX_ID || e.id.chars().any(char::is_control) {
            return Err(Error::invalid("id", format!("event id {:?} must be 1 to {MAX_ID} printable characters", e.id)));
        }
        if e.id.starts_with("engine-") {
            return Err(Error::invalid("id", format!("event id {:?}: the prefix engine- is reserved for the engine's own events", e.id)));
        }
        if e.at > now + MAX_FUTURE {
            return Err(Error::invalid(
                "at",
                format!("{} is in the future (now {}): check the PBX clock", e.at.to_rfc3339(), now.to_rfc3339()),
            ));
        }
        if e.at < now - MAX_AGE {
            return Err(Error::invalid("at", format!("{} is more than 7 days old", e.at.to_rfc3339())));
        }
        let need = |v: &Option<String>, field: &str| -> Result<()> {
            match v.as_deref().map(str::trim) {
                Some(s) if !s.is_empty() && s.len() <= MAX_ID => Ok(()),
                _ => Err(Error::invalid(field, format!("a {} event needs {field} (1 to {MAX_ID} characters)", e.kind.as_str()))),
            }
        };
        if e.kind.is_call_event() {
            need(&e.call, "call")?;
        }
        match e.kind {
            EventKind::Answered | EventKind::Routed | EventKind::AgentState | EventKind::WorkDone => need(&e.agent, "agent")?,
            EventKind::WorkOffered => {
                need(&e.work, "work")?;
                match e.channel {
                    Some(c) if !c.is_live() || c == ContactType::Callback => {}
                    _ => return Err(Error::invalid("channel", "work_offered needs channel callback, voicemail, email, fax or web")),
                }
            }
            EventKind::Transferred => {
                let Some(t) = e.target else { return Err(Error::invalid("target", "transferred needs target l2, extension or voicemail")) };
                if t == TransferTarget::Extension {
                    need(&e.extension, "extension")?;
                }
            }
            EventKind::TransferFailed => need(&e.extension, "extension")?,
            EventKind::Offered => {
                if matches!(e.channel, Some(c) if !c.is_live()) {
                    return Err(Error::invalid("channel", "offered is for calls (phone or callback); offline work uses work_offered"));
                }
            }
            _ => {}
        }
        if e.kind == EventKind::WorkDone {
            need(&e.work, "work")?;
        }
        if let Some(b64) = &e.audio_base64 {
            if e.kind != EventKind::VoicemailLeft {
                return Err(Error::invalid("audio_base64", "only a voicemail_left event carries audio"));
            }
            let bytes = crate::audio::decode_base64(b64)?;
            crate::wav::validate_wav(&bytes, &crate::wav::WavLimits::default())
                .map_err(|err| Error::invalid("audio_base64", format!("the voicemail is not a usable WAV: {err}")))?;
        }
        if let Some(q) = &e.queue
            && self.queue_ix(q).is_none()
        {
            return Err(Error::invalid("queue", format!("unknown queue {q:?}; known queues: {}", self.queue_numbers())));
        }
        if e.kind == EventKind::AgentState && e.state.is_none() && e.work_mode.is_none() {
            return Err(Error::invalid("state", "agent_state needs state (ready, paused, logged_out) or work_mode"));
        }
        if let Some(s) = e.state
            && !matches!(s, AgentStatus::Ready | AgentStatus::Paused | AgentStatus::LoggedOut)
            && e.source != Source::Engine
        {
            return Err(Error::invalid(
                "state",
                format!("{}: an agent reports ready, paused or logged_out; the other states follow from calls", s.as_str()),
            ));
        }
        Ok(())
    }

    /// Checks an event against the current state: an error rejects it;
    /// flags mark what is accepted but odd (`no_effect` leaves the state alone).
    pub(super) fn check_state(&self, e: &mut CtiEvent) -> Result<()> {
        let flag = |e: &mut CtiEvent, f: &str| {
            if !e.flags.iter().any(|x| x == f) {
                e.flags.push(f.to_owned());
            }
        };
        if e.kind.is_call_event() {
            let call_id = e.call.clone().unwrap_or_default();
            let Some(call) = self.calls.get(&call_id) else {
                return match e.kind {
                    EventKind::Offered => Ok(()),
                    _ => Err(Error::not_found("call", call_id)),
                };
            };
            if e.at < call.offered_at - Duration::seconds(1) {
                return Err(Error::invalid(
                    "at",
                    format!("{} is before call {call_id} was offered ({})", e.at.to_rfc3339(), call.offered_at.to_rfc3339()),
                ));
            }
            use CallState as S;
            let late = |e: &mut CtiEvent| {
                flag(e, "late");
                flag(e, "no_effect");
            };
            match (e.kind, call.state) {
                (EventKind::Offered, _) => return Err(Error::Conflict(format!("call {call_id} was already offered"))),
                (EventKind::Answered, S::Queued | S::Ringing) => {
                    let agent = e.agent.clone().unwrap_or_default();
                    self.check_agent_free(&agent, &Key::Call(call_id.clone()))?;
                    if let Some((ringing, _)) = &call.ringing
                        && *ringing != agent
                    {
                        flag(e, "answered_by_other_agent");
                    }
                }
                (EventKind::Answered, S::Talking) if call.agent == e.agent => {
                    flag(e, "already_in_state");
                    flag(e, "no_effect");
                }
                (EventKind::Answered, S::Talking) => {
                    return Err(Error::Conflict(format!(
                        "call {call_id} is already answered by {}",
                        call.agent.as_deref().unwrap_or("another agent")
                    )));
                }
                (EventKind::Answered, S::Done) => late(e),
                (EventKind::Answered, s) => {
                    return Err(Error::Conflict(format!("call {call_id} cannot be answered: it is {}", state_name(s))));
                }
                (EventKind::Abandoned, S::Offered | S::Ivr | S::Queued | S::Ringing) => {}
                (EventKind::Abandoned, _) => late(e),
                (EventKind::Transferred, S::Talking) => {}
                (EventKind::Transferred, S::Done) => late(e),
                (EventKind::Transferred, s) => {
                    return Err(Error::Conflict(format!(
                        "call {call_id} is {}, not in conversation: it cannot be transferred",
                        state_name(s)
                    )));
                }
                (EventKind::TransferFailed, S::TransferredOut) => {}
                (EventKind::TransferFailed, _) => {
                    flag(e, "not_transferred");
                    flag(e, "no_effect");
                }
                (EventKind::Ended, S::Done) => {
                    flag(e, "already_in_state");
                    flag(e, "no_effect");
                }
                (EventKind::Ended, S::Queued | S::Ringing) => flag(e, "ended_while_queued"),
                (EventKind::Ended, _) => {}
                (EventKind::VoicemailLeft, S::AfterHours | S::Voicemail | S::Queued | S::Ivr | S::Offered) => {}
                // A voicemail is never lost, even when its `ended` came first.
                (EventKind::VoicemailLeft, _) => flag(e, "late"),
                (EventKind::RejectedNoLine, S::Offered | S::Ivr) => {}
                (EventKind::TicketOpened, _) => {}
                (EventKind::RingTimeout, S::Ringing) if e.source == Source::Engine => {}
                (EventKind::IvrWelcome | EventKind::IvrAfterHours | EventKind::Queued | EventKind::Routed, _)
                    if e.source == Source::Engine => {}
                // Steps the engine takes itself, reported by the PBX too.
                (_, _) => {
                    flag(e, "informational");
                    flag(e, "no_effect");
                }
            }
            return Ok(());
        }
        match e.kind {
            EventKind::AgentState => {
                let agent = e.agent.clone().unwrap_or_default();
                let Some(a) = self.agent_ix.get(&agent).map(|&i| &self.agents[i]) else {
                    return match e.state {
                        Some(AgentStatus::Ready | AgentStatus::Paused) | None => Ok(()),
                        Some(AgentStatus::LoggedOut) => {
                            flag(e, "already_in_state");
                            flag(e, "no_effect");
                            Ok(())
                        }
                        Some(s) => Err(Error::invalid("state", format!("unexpected state {}", s.as_str()))),
                    };
                };
                match (e.state, a.status) {
                    (None, _) => {}
                    (Some(s), cur) if e.source == Source::Engine && s == cur => {}
                    (Some(_), AgentStatus::Busy | AgentStatus::Ringing | AgentStatus::OfflineWork) if e.source != Source::Engine => {
                        let what = a.contact.as_ref().map(key_name).unwrap_or_default();
                        return Err(Error::Conflict(format!("agent {agent} is {} ({what}): finish it first", a.status.label())));
                    }
                    (Some(s), cur) if s == cur && s != AgentStatus::Paused => {
                        flag(e, "already_in_state");
                        flag(e, "no_effect");
                    }
                    _ => {}
                }
                Ok(())
            }
            EventKind::WorkOffered => {
                let work = e.work.clone().unwrap_or_default();
                if self.works.get(&work).is_some_and(|w| w.state != WorkState::Done) {
                    flag(e, "already_in_state");
                    flag(e, "no_effect");
                }
                Ok(())
            }
            EventKind::WorkDone => {
                let work = e.work.clone().unwrap_or_default();
                let Some(w) = self.works.get(&work) else { return Err(Error::not_found("work item", work)) };
                if w.state != WorkState::Working || w.agent != e.agent {
                    flag(e, "not_in_hand");
                    flag(e, "no_effect");
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    pub(super) fn check_agent_free(&self, agent: &str, for_contact: &Key) -> Result<()> {
        let Some(a) = self.agent_ix.get(agent).map(|&i| &self.agents[i]) else {
            return Err(Error::invalid("agent", format!("agent {agent:?} is not signed in to the ACD")));
        };
        match (&a.status, &a.contact) {
            (AgentStatus::LoggedOut, _) => Err(Error::Conflict(format!("agent {agent} is logged out"))),
            (_, Some(k)) if k != for_contact && matches!(a.status, AgentStatus::Busy | AgentStatus::Ringing | AgentStatus::OfflineWork) => {
                Err(Error::Conflict(format!("agent {agent} is already on {}: an agent cannot be in two calls", key_name(k))))
            }
            _ => Ok(()),
        }
    }

    /// Work the service does after storage, decided from the state before
    /// the event is applied.
    pub(super) fn effects_of(&self, e: &CtiEvent, effects: &mut Vec<Effect>) {
        let call = e.call.as_ref().and_then(|c| self.calls.get(c));
        match e.kind {
            EventKind::Answered => {
                let Some(c) = call else { return };
                let agent = e.agent.clone().unwrap_or_default();
                match (&c.ticket, c.l2_from.is_some()) {
                    (Some(t), true) => effects.push(Effect::TransferTicketToL2 { ticket: t.clone(), from: c.l2_from.clone(), agent }),
                    (None, _) => effects.push(Effect::OpenTicket {
                        call: e.call.clone().unwrap_or_default(),
                        agent,
                        caller: c.caller.clone(),
                        at: e.at,
                    }),
                    (Some(_), false) => {}
                }
            }
            EventKind::Abandoned | EventKind::Ended
                if call.is_some_and(|c| c.l2_from.is_some() && matches!(c.state, CallState::Queued | CallState::Ringing)) =>
            {
                if let Some(c) = call
                    && let Some(t) = &c.ticket
                {
                    effects.push(Effect::AssignTicketToL2 { ticket: t.clone(), from: c.l2_from.clone() });
                }
            }
            EventKind::VoicemailLeft => effects.push(Effect::VoicemailTicket {
                call: e.call.clone().unwrap_or_default(),
                caller: call.and_then(|c| c.caller.clone()),
                at: e.at,
                audio_base64: e.audio_base64.clone(),
            }),
            EventKind::TransferFailed => effects.push(Effect::ReturnCall {
                call: e.call.clone().unwrap_or_default(),
                caller: call.and_then(|c| c.caller.clone()),
                extension: e.extension.clone().unwrap_or_default(),
                agent: call.and_then(|c| c.agent.clone()),
            }),
            _ => {}
        }
    }
}
