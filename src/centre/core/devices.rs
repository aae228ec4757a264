//! The devices table as the server's authentication reads it.

use super::{Centre, CentreError};
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

    /// The centre's reserved offline range (`offline.range_start..=range_end`):
    /// its own numbering skips it; kiosks print from parts of it.
    pub fn offline_range(&self) -> (u32, u32) {
        self.engine.setup.offline_range
    }
}
