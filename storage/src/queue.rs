//! Today's check-in queue of a facility.

use crate::apply::decode;
use crate::date::Date;
use crate::error::{Error, Result};
use crate::ids::Id;
use crate::model::{Body, QueueStatus, QueueTicket, VisitType};
use crate::store::{Actor, Store};
use crate::tables::{QUEUE, TICKETS};

impl Store {
    /// The tickets of `facility` on `day`, in check-in order.
    pub fn queue(&self, facility: &str, day: Date) -> Result<Vec<QueueTicket>> {
        let tx = self.read()?;
        let queue = tx.open_table(QUEUE)?;
        let tickets = tx.open_table(TICKETS)?;
        let d = day.ymd_number();
        let mut out = Vec::new();
        for row in queue.range((facility, d, 0u128)..=(facility, d, u128::MAX))? {
            let id = row?.0.value().2;
            if let Some(v) = tickets.get(id)? {
                out.push(decode::<QueueTicket>(v.value())?);
            }
        }
        out.sort_by_key(|t| (t.checked_in_at, t.id));
        Ok(out)
    }

    pub fn ticket(&self, id: Id) -> Result<Option<QueueTicket>> {
        let tx = self.read()?;
        let t = tx.open_table(TICKETS)?;
        t.get(id.0)?.map(|v| decode(v.value())).transpose()
    }

    /// Checks a resident in at the actor's facility today. A child without a card is checked in
    /// through `guardian`. Returns the ticket.
    pub fn check_in(
        &self,
        actor: &Actor,
        resident: Id,
        visit_type: VisitType,
        guardian: Option<Id>,
    ) -> Result<QueueTicket> {
        let now = self.clock().now_ms();
        let day = Date::of_instant(now);
        let today = self.queue(&actor.facility, day)?;
        if let Some(open) = today.iter().find(|t| {
            t.resident == resident
                && matches!(t.status, QueueStatus::Waiting | QueueStatus::WithDoctor)
        }) {
            return Err(Error::Invalid(format!(
                "already in today's queue as number {}",
                open.number
            )));
        }
        if let Some(g) = guardian {
            let may = self
                .household(resident)?
                .iter()
                .any(|(l, _)| l.to == g && l.relation.reverse().may_act_for());
            if !may {
                return Err(Error::Invalid(
                    "only a linked parent or guardian may check this resident in".into(),
                ));
            }
        }
        let ticket = QueueTicket {
            id: self.new_id(),
            facility: actor.facility.clone(),
            day,
            number: today.iter().map(|t| t.number).max().unwrap_or(0) + 1,
            resident,
            guardian,
            visit_type,
            checked_in_at: now,
            status: QueueStatus::Waiting,
            room: String::new(),
            status_clock: Default::default(),
        };
        self.commit_one(actor, Body::CheckIn(ticket.clone()))?;
        Ok(ticket)
    }

    /// Moves a ticket along: called by the doctor, done, or left.
    pub fn set_queue_status(
        &self,
        actor: &Actor,
        ticket: Id,
        status: QueueStatus,
        room: &str,
    ) -> Result<()> {
        self.commit_one(
            actor,
            Body::QueueStatus {
                ticket,
                status,
                room: room.to_string(),
            },
        )?;
        Ok(())
    }
}
