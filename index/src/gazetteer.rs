//! All 646 municipalities of Sweden and Norway with a point inside each (see `data/SOURCES.md`),
//! and great-circle distances between them.

use std::collections::HashMap;
use std::sync::OnceLock;

const MUNICIPALITIES_CSV: &str = include_str!("../data/municipalities.csv");
const EARTH_RADIUS_KM: f64 = 6371.0088;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Country {
    Se,
    No,
}

impl Country {
    pub fn parse(s: &str) -> Option<Country> {
        match s.trim().to_ascii_uppercase().as_str() {
            "SE" => Some(Country::Se),
            "NO" => Some(Country::No),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Country::Se => "SE",
            Country::No => "NO",
        }
    }
}

/// One municipality: its official code, name, county and a point inside it.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    pub country: Country,
    pub code: String,
    pub name: String,
    pub county_code: String,
    pub county_name: String,
    pub lat: f64,
    pub lon: f64,
    /// Its position in [`Gazetteer::all`].
    pub index: usize,
}

impl Place {
    /// `"NO-5025"`: the form the API and the database use.
    pub fn key(&self) -> String {
        format!("{}-{}", self.country.as_str(), self.code)
    }

    /// `"NO-50"`: the county, qualified by its country (county codes repeat across the border).
    pub fn county_key(&self) -> String {
        format!("{}-{}", self.country.as_str(), self.county_code)
    }
}

/// The built-in gazetteer.
pub struct Gazetteer {
    places: Vec<Place>,
    by_key: HashMap<(Country, String), usize>,
}

impl Gazetteer {
    /// The gazetteer shipped in the binary, parsed once.
    pub fn get() -> &'static Gazetteer {
        static GAZETTEER: OnceLock<Gazetteer> = OnceLock::new();
        GAZETTEER.get_or_init(|| Gazetteer::parse(MUNICIPALITIES_CSV))
    }

    fn parse(text: &str) -> Gazetteer {
        let places: Vec<Place> = crate::csv::rows(text)
            .filter_map(|f| {
                Some(Place {
                    country: Country::parse(f.first()?)?,
                    code: f.get(1)?.clone(),
                    name: f.get(2)?.clone(),
                    county_code: f.get(3)?.clone(),
                    county_name: f.get(4)?.clone(),
                    lat: f.get(5)?.parse().ok()?,
                    lon: f.get(6)?.parse().ok()?,
                    index: 0,
                })
            })
            .enumerate()
            .map(|(index, p)| Place { index, ..p })
            .collect();
        let by_key = places
            .iter()
            .enumerate()
            .map(|(i, p)| ((p.country, p.code.clone()), i))
            .collect();
        Gazetteer { places, by_key }
    }

    pub fn all(&self) -> &[Place] {
        &self.places
    }

    pub fn lookup(&self, country: Country, code: &str) -> Option<&Place> {
        self.by_key
            .get(&(country, code.to_string()))
            .map(|&i| &self.places[i])
    }

    /// Looks up `"NO-5025"` (case-insensitive country).
    pub fn lookup_key(&self, key: &str) -> Option<&Place> {
        let (country, code) = key.split_once('-')?;
        self.lookup(Country::parse(country)?, code)
    }

    /// The counties within `km` of a municipality: every county with a municipality that
    /// close (its point, as everywhere here). Used to narrow a search before the exact distance
    /// rule: a superset, never missing a county that is in reach.
    pub fn counties_within<'a>(&'a self, from: &Place, km: f64) -> impl Iterator<Item = &'a str> {
        // Every municipality's counties, nearest first, by its position in `places` (every
        // record's reach is written from it: no key is formatted and looked up per record).
        static NEAREST: OnceLock<Vec<Vec<(String, f64)>>> = OnceLock::new();
        let table = NEAREST.get_or_init(|| {
            // Each place's county key written once, not once per pair (the first record
            // indexed waits for this table).
            let keys: Vec<String> = self.places.iter().map(Place::county_key).collect();
            self.places
                .iter()
                .map(|a| {
                    let mut by_county: HashMap<&str, f64> = HashMap::new();
                    for (b, key) in self.places.iter().zip(&keys) {
                        let d = distance_km(a, b);
                        let slot = by_county.entry(key).or_insert(f64::INFINITY);
                        *slot = slot.min(d);
                    }
                    let mut v: Vec<(String, f64)> = by_county
                        .into_iter()
                        .map(|(k, d)| (k.to_string(), d))
                        .collect();
                    v.sort_by(|x, y| x.1.total_cmp(&y.1).then(x.0.cmp(&y.0)));
                    v
                })
                .collect()
        });
        // A place of this gazetteer is found at its index; any other by its key.
        let at = match self.places.get(from.index) {
            Some(p) if p.country == from.country && p.code == from.code => Some(from.index),
            _ => self.lookup(from.country, &from.code).map(|p| p.index),
        };
        at.and_then(|i| table.get(i))
            .into_iter()
            .flatten()
            .take_while(move |(_, d)| *d <= km)
            .map(|(c, _)| c.as_str())
    }

    /// Whether a county key such as `"SE-20"` names a county that exists.
    pub fn has_county(&self, county_key: &str) -> bool {
        self.places.iter().any(|p| p.county_key() == county_key)
    }
}

/// Great-circle distance in kilometres between two municipalities of the gazetteer, read from
/// a table computed once (ranking asks for it for every record it scores).
pub fn distance_km(a: &Place, b: &Place) -> f64 {
    static TABLE: OnceLock<Vec<f64>> = OnceLock::new();
    let all = Gazetteer::get().all();
    let n = all.len();
    let same = |p: &Place| all.get(p.index).is_some_and(|q| std::ptr::eq(p, q));
    if !(same(a) && same(b)) {
        return haversine_km(a, b);
    }
    let table = TABLE.get_or_init(|| {
        all.iter()
            .flat_map(|p| all.iter().map(move |q| haversine_km(p, q)))
            .collect()
    });
    table[a.index * n + b.index]
}

/// Great-circle distance in kilometres (haversine).
pub fn haversine_km(a: &Place, b: &Place) -> f64 {
    let (lat1, lat2) = (a.lat.to_radians(), b.lat.to_radians());
    let dlat = lat2 - lat1;
    let dlon = (b.lon - a.lon).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * h.sqrt().asin()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_646_municipalities_are_shipped() {
        let g = Gazetteer::get();
        assert_eq!(g.all().len(), 646);
        assert_eq!(
            g.all().iter().filter(|p| p.country == Country::Se).count(),
            290
        );
        assert_eq!(
            g.all().iter().filter(|p| p.country == Country::No).count(),
            356
        );
    }

    #[test]
    fn the_counties_in_reach_are_every_county_with_a_municipality_that_close() {
        let g = Gazetteer::get();
        let roros = g.lookup_key("NO-5025").expect("Røros");
        for km in [0.0, 40.0, 120.0, 300.0] {
            let within: Vec<&str> = g.counties_within(roros, km).collect();
            let mut expected: Vec<String> = g
                .all()
                .iter()
                .filter(|p| distance_km(roros, p) <= km)
                .map(Place::county_key)
                .collect();
            expected.sort();
            expected.dedup();
            let mut sorted = within.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, expected, "within {km} km of Røros");
        }
        assert_eq!(g.counties_within(roros, 0.0).collect::<Vec<_>>(), ["NO-50"]);
        // Across the border: Härjedalen (Jämtland) is within 120 km of Røros.
        assert!(g.counties_within(roros, 120.0).any(|c| c == "SE-23"));
        // A copy of the place that does not sit at its position is found by its key.
        let moved = Place {
            index: 0,
            ..roros.clone()
        };
        assert_eq!(
            g.counties_within(&moved, 120.0).collect::<Vec<_>>(),
            g.counties_within(roros, 120.0).collect::<Vec<_>>()
        );
    }

    #[test]
    fn mora_and_roros_are_found_with_their_counties() {
        let g = Gazetteer::get();
        let mora = g.lookup_key("SE-2062").expect("Mora");
        assert_eq!(mora.name, "Mora");
        assert_eq!(mora.county_key(), "SE-20");
        let roros = g.lookup_key("no-5025").expect("Røros");
        assert_eq!(roros.name, "Røros");
        assert_eq!(roros.county_name, "Trøndelag");
        assert!(g.lookup_key("SE-9999").is_none());
        assert!(g.lookup_key("DK-0101").is_none());
    }

    #[test]
    fn mora_to_roros_is_about_two_hundred_km_as_the_crow_flies() {
        let g = Gazetteer::get();
        let d = distance_km(
            g.lookup_key("SE-2062").expect("Mora"),
            g.lookup_key("NO-5025").expect("Røros"),
        );
        assert!((150.0..260.0).contains(&d), "{d}");
        let mora = g.lookup_key("SE-2062").expect("Mora");
        assert!(distance_km(mora, mora) < 1e-9);
    }
}
