/// The currencies of the programme: Swedish and Norwegian kronor, and euro for EU funding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Currency {
    Sek,
    Nok,
    Eur,
}

impl Currency {
    pub fn parse(s: &str) -> Result<Currency, String> {
        match s.trim() {
            "SEK" => Ok(Currency::Sek),
            "NOK" => Ok(Currency::Nok),
            "EUR" => Ok(Currency::Eur),
            _ => Err(format!("unknown currency {s:?}: use SEK, NOK or EUR")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Currency::Sek => "SEK",
            Currency::Nok => "NOK",
            Currency::Eur => "EUR",
        }
    }
}

/// An amount of money in whole öre/øre/cent, never negative, at most a trillion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Money {
    minor: i64,
    currency: Currency,
}

const MAX_MAJOR: f64 = 1e12;

impl Money {
    pub fn parse(amount: f64, currency: &str) -> Result<Money, String> {
        let currency = Currency::parse(currency)?;
        if !amount.is_finite() || amount < 0.0 {
            return Err("the amount must be zero or more".into());
        }
        if amount > MAX_MAJOR {
            return Err("the amount must be at most 1 000 000 000 000".into());
        }
        let minor = (amount * 100.0).round();
        if (minor - amount * 100.0).abs() > 1e-6 * amount.max(1.0) {
            return Err("the amount may have at most two decimals".into());
        }
        Ok(Money {
            minor: minor as i64,
            currency,
        })
    }

    pub fn amount(&self) -> f64 {
        self.minor as f64 / 100.0
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ordinary_amounts_pass() {
        let m = Money::parse(2_500_000.5, "SEK").unwrap();
        assert_eq!(m.amount(), 2_500_000.5);
        assert_eq!(m.currency().as_str(), "SEK");
    }

    #[test]
    fn negative_fractional_and_foreign_amounts_are_refused() {
        assert!(Money::parse(-1.0, "SEK").is_err());
        assert!(Money::parse(1.005, "NOK")
            .unwrap_err()
            .contains("two decimals"));
        assert!(Money::parse(1.0, "USD").unwrap_err().contains("currency"));
        assert!(Money::parse(f64::NAN, "EUR").is_err());
        assert!(Money::parse(2e12, "EUR").is_err());
    }

    proptest! {
        #[test]
        fn whole_minor_units_round_trip(minor in 0i64..100_000_000_000_000) {
            let m = Money::parse(minor as f64 / 100.0, "EUR").unwrap();
            prop_assert_eq!(m.minor, minor);
        }
    }
}
