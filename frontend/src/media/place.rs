//! A shared location as people read it: "48.85837° N, 2.29448° E", and how sure the device
//! was ("within 12 m"). Five decimals are about a metre, finer than any phone's fix.

use protocol::media::Location;

use crate::locale::{Locale, td_string};

/// The coordinates with hemispheres instead of signs.
pub fn coordinates(location: &Location) -> String {
    let north = if location.latitude < 0.0 { 'S' } else { 'N' };
    let east = if location.longitude < 0.0 { 'W' } else { 'E' };
    format!("{:.5}° {north}, {:.5}° {east}", location.latitude.abs(), location.longitude.abs())
}

/// "within 12 m" or "within 1.5 km" (in `language`, with its decimal mark), when the device said.
pub fn accuracy(location: &Location, language: Locale) -> Option<String> {
    location.accuracy_m.map(|m| {
        let distance = if m < 1000 {
            format!("{m} m")
        } else {
            let km = format!("{:.1} km", f64::from(m) / 1000.0).replace(".0 ", " ");
            match language {
                Locale::en => km,
                Locale::de => km.replace('.', ","),
            }
        };
        td_string!(language, composer.location_accuracy, distance).to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordinates_read_with_hemispheres_and_accuracy_in_metres_or_kilometres() {
        let eiffel = Location { latitude: 48.858370, longitude: 2.294481, accuracy_m: Some(12) };
        assert_eq!(coordinates(&eiffel), "48.85837° N, 2.29448° E");
        let english = Locale::en;
        assert_eq!(accuracy(&eiffel, english).as_deref(), Some("within 12 m"));
        let rio = Location { latitude: -22.9519, longitude: -43.2105, accuracy_m: Some(1500) };
        assert_eq!(coordinates(&rio), "22.95190° S, 43.21050° W");
        assert_eq!(accuracy(&rio, english).as_deref(), Some("within 1.5 km"));
        assert_eq!(accuracy(&Location { accuracy_m: Some(2000), ..rio }, english).as_deref(), Some("within 2 km"));
        assert_eq!(accuracy(&Location { accuracy_m: None, ..rio }, english), None);
        assert_eq!(accuracy(&eiffel, Locale::de).as_deref(), Some("auf 12 m genau"));
        assert_eq!(accuracy(&rio, Locale::de).as_deref(), Some("auf 1,5 km genau"));
    }
}
