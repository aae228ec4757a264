//! The devices table as the server's authentication reads it.

use super::{Centre, CentreError};
use crate::centre::devices::Rules;
use crate::centre::provision::{self, ProvisionError, Redeemed};
use crate::domain::access::Role;
use crate::domain::provision::ProvisionCode;
use crate::store::devices::{self, DeviceRow};
use crate::store::to_ms;

impl Centre {
    /// Devices whose token is accepted (revoked ones left out).
    pub async fn active_devices(&self) -> Result<Vec<DeviceRow>, CentreError> {
        self.read(|c, _, _, _| Ok(devices::active(c)?)).await
    }

    /// Every device, revoked ones included.
    pub async fn devices(&self) -> Result<Vec<DeviceRow>, CentreError> {
        self.read(|c, _, _, _| Ok(devices::list(c)?)).await
    }

    /// Records that a device made a request now.
    pub async fn touch_device(&self, id: String) -> Result<(), CentreError> {
        self.write(move |w, now| Ok(devices::touch(w.c(), &id, to_ms(now))?)).await
    }

    /// The counters the configured services are served at.
    pub fn served_counters(&self) -> Vec<u32> {
        self.engine.setup.counters.keys().copied().collect()
    }

    /// Redeems a provisioning code in one transaction (see
    /// [`provision::redeem`](crate::centre::provision::redeem)); the outer
    /// error is the database's, the inner one the code's.
    pub async fn redeem_provision(
        &self,
        code: ProvisionCode,
        role: Role,
        rules: Rules,
    ) -> Result<Result<Redeemed, ProvisionError>, CentreError> {
        self.write(move |w, now| match provision::redeem(w.c(), &rules, &code, role, to_ms(now)) {
            Err(ProvisionError::Store(e)) => Err(e.into()),
            Ok(r) => {
                tracing::info!(device = %r.device_id, role = %r.role, range = ?r.offline_range, "device provisioned");
                Ok(Ok(r))
            }
            Err(e) => Ok(Err(e)),
        })
        .await
    }

    /// The centre's reserved offline range (`offline.range_start..=range_end`):
    /// its own numbering skips it; kiosks print from parts of it.
    pub fn offline_range(&self) -> (u32, u32) {
        self.engine.setup.offline_range
    }
}
