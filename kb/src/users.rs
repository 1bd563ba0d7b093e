//! User accounts: names, roles and argon2 password hashes, in the
//! `accounts` graph (which no SPARQL dataset ever includes).

use crate::error::{Error, Result};
use crate::rdf::{Reader, lit, lit_bool, lit_datetime, nn, term_value};
use crate::roles::{Actor, Graph, Role, RoleSet};
use crate::store::Kb;
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::Utc;
use ontologies::vocab::{cc, dcterms, org, rdf};
use oxigraph::model::{NamedOrBlankNode, Quad, Term};
use serde::Serialize;

/// Minimum password length.
pub const MIN_PASSWORD_LEN: usize = 8;

/// A user account as shown to administrators (never the hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserInfo {
    /// Login name.
    pub username: String,
    /// Roles.
    pub roles: Vec<Role>,
    /// Whether sign-in is disabled.
    pub disabled: bool,
    /// Code of the office the user works for (staff of the administration).
    pub office: Option<String>,
}

/// Checks a login name: 2–64 characters of `a-z`, `0-9`, `.`, `_`, `-`.
pub fn validate_username(name: &str) -> Result<()> {
    let ok = (2..=64).contains(&name.len())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c))
        && name.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            "username",
            format!("{name:?}: use 2 to 64 characters among a-z, 0-9, '.', '_', '-', starting with a letter or digit"),
        ))
    }
}

fn hash_password(password: &str) -> Result<String> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(Error::invalid("password", format!("must be at least {MIN_PASSWORD_LEN} characters")));
    }
    let mut bytes = [0u8; 16];
    rand::fill(&mut bytes);
    let salt = SaltString::encode_b64(&bytes).map_err(|e| Error::PasswordHash(e.to_string()))?;
    Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| Error::PasswordHash(e.to_string()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of a token, hex.
fn token_hash(token: &str) -> String {
    use sha2::Digest;
    hex(&sha2::Sha256::digest(token.as_bytes()))
}

/// A random password of 16 letters and digits (for first start and demos).
pub fn random_password() -> String {
    use rand::Rng;
    const CHARS: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..16).map(|_| CHARS[rng.random_range(0..CHARS.len())] as char).collect()
}

impl Kb {
    fn user_quads(&self, reader: &impl Reader, username: &str) -> Result<Vec<Quad>> {
        reader.quads(Some(self.agent_iri(username).as_ref().into()), None, None, Some(self.graph(Graph::Accounts).into()))
    }

    fn info_from(quads: &[Quad]) -> Option<UserInfo> {
        let mut info = UserInfo { username: String::new(), roles: Vec::new(), disabled: false, office: None };
        for q in quads {
            let v = term_value(&q.object);
            match q.predicate.as_str() {
                cc::USERNAME => info.username = v.to_owned(),
                cc::ROLE => info.roles.extend(v.parse::<Role>().ok()),
                cc::DISABLED => info.disabled = v == "true",
                org::MEMBER_OF => info.office = v.rsplit_once("/id/office/").map(|(_, code)| code.to_owned()),
                _ => {}
            }
        }
        info.roles.sort();
        (!info.username.is_empty()).then_some(info)
    }

    /// Whether any account exists (first start creates an administrator).
    pub fn has_users(&self) -> Result<bool> {
        Ok(self.store().quads_for_pattern(None, Some(nn(cc::USERNAME)), None, Some(self.graph(Graph::Accounts).into())).next().is_some())
    }

    /// Creates an account. `actor` must be an administrator.
    pub fn create_user(&self, actor: &Actor, username: &str, password: &str, roles: &[Role]) -> Result<()> {
        actor.require("manage users", &[Role::Admin])?;
        validate_username(username)?;
        if roles.is_empty() {
            return Err(Error::MissingField { field: "roles" });
        }
        let hash = hash_password(password)?;
        self.write(|w| {
            if !self.user_quads(w, username)?.is_empty() {
                return Err(Error::AlreadyExists { kind: "user", id: username.into() });
            }
            let iri = self.agent_iri(username);
            let g = self.graph(Graph::Accounts).into_owned();
            let mut add = |p: &'static str, o: Term| w.put(Quad::new(iri.clone(), nn(p), o, g.clone()));
            add(rdf::TYPE, nn(cc::USER_ACCOUNT).into_owned().into());
            add(cc::USERNAME, lit(username).into());
            add(cc::PASSWORD_HASH, lit(&hash).into());
            add(cc::DISABLED, lit_bool(false).into());
            add(dcterms::CREATED, lit_datetime(Utc::now()).into());
            for r in RoleSet::new(roles.iter().copied()).iter() {
                add(cc::ROLE, lit(r.as_str()).into());
            }
            Ok(())
        })
    }

    fn replace_user_values(&self, username: &str, p: &'static str, values: Vec<Term>) -> Result<()> {
        self.write(|w| {
            let quads = self.user_quads(w, username)?;
            if quads.is_empty() {
                return Err(Error::not_found("user", username));
            }
            for q in quads.iter().filter(|q| q.predicate.as_str() == p) {
                w.remove(q);
            }
            let iri = self.agent_iri(username);
            for v in values {
                w.put(Quad::new(iri.clone(), nn(p), v, self.graph(Graph::Accounts).into_owned()));
            }
            Ok(())
        })
    }

    /// Changes a password: users change their own, administrators anyone's.
    pub fn set_password(&self, actor: &Actor, username: &str, password: &str) -> Result<()> {
        if actor.username != username {
            actor.require("change another user's password", &[Role::Admin])?;
        }
        let hash = hash_password(password)?;
        self.replace_user_values(username, cc::PASSWORD_HASH, vec![lit(&hash).into()])
    }

    /// Replaces a user's roles (administrators only).
    pub fn set_roles(&self, actor: &Actor, username: &str, roles: &[Role]) -> Result<()> {
        actor.require("manage users", &[Role::Admin])?;
        if roles.is_empty() {
            return Err(Error::MissingField { field: "roles" });
        }
        let values = RoleSet::new(roles.iter().copied()).iter().map(|r| lit(r.as_str()).into()).collect();
        self.replace_user_values(username, cc::ROLE, values)
    }

    /// Enables or disables sign-in for a user (administrators only).
    pub fn set_disabled(&self, actor: &Actor, username: &str, disabled: bool) -> Result<()> {
        actor.require("manage users", &[Role::Admin])?;
        self.replace_user_values(username, cc::DISABLED, vec![lit_bool(disabled).into()])
    }

    /// Sets or clears the office a user works for (administrators only):
    /// a user with the role `office` sees that office's requests.
    pub fn set_user_office(&self, actor: &Actor, username: &str, office: Option<&str>) -> Result<()> {
        actor.require("manage users", &[Role::Admin])?;
        let values = match office.map(str::trim).filter(|c| !c.is_empty()) {
            Some(code) => {
                let iri = self.office_iri(code);
                if !self.store().describes(iri.as_ref(), self.graph(Graph::Org))? {
                    return Err(Error::not_found("office", code));
                }
                vec![iri.into()]
            }
            None => Vec::new(),
        };
        self.replace_user_values(username, org::MEMBER_OF, values)
    }

    /// One account.
    pub fn user(&self, username: &str) -> Result<Option<UserInfo>> {
        Ok(Self::info_from(&self.user_quads(self.store(), username)?))
    }

    /// Every account, sorted by name.
    pub fn users(&self) -> Result<Vec<UserInfo>> {
        let g = self.graph(Graph::Accounts);
        let mut out = Vec::new();
        for q in self.store().quads(None, Some(nn(cc::USERNAME)), None, Some(g.into()))? {
            let NamedOrBlankNode::NamedNode(s) = q.subject else {
                continue;
            };
            if let Some(i) = Self::info_from(&self.store().quads(Some(s.as_ref().into()), None, None, Some(g.into()))?) {
                out.push(i);
            }
        }
        out.sort_by(|a, b| a.username.cmp(&b.username));
        Ok(out)
    }

    /// Creates an API token for `username` (the user themself or an
    /// administrator) labelled `label`; returns the token, shown once: only
    /// its SHA-256 hash is stored.
    pub fn create_token(&self, actor: &Actor, username: &str, label: &str) -> Result<String> {
        if actor.username != username {
            actor.require("create tokens for another user", &[Role::Admin])?;
        }
        let mut bytes = [0u8; 32];
        rand::fill(&mut bytes);
        let token = format!("cct_{}", hex(&bytes));
        let hash = token_hash(&token);
        self.write(|w| {
            if self.user_quads(w, username)?.is_empty() {
                return Err(Error::not_found("user", username));
            }
            let user = self.agent_iri(username);
            let node = self.iri(&format!("id/token/{}", uuid::Uuid::new_v4()));
            let g = self.graph(Graph::Accounts).into_owned();
            w.put(Quad::new(user, nn(cc::API_TOKEN), node.clone(), g.clone()));
            w.put(Quad::new(node.clone(), nn(rdf::TYPE), nn(cc::API_TOKEN_CLASS).into_owned(), g.clone()));
            w.put(Quad::new(node.clone(), nn(cc::TOKEN_HASH), lit(&hash), g.clone()));
            w.put(Quad::new(node.clone(), nn(ontologies::vocab::rdfs::LABEL), lit(label), g.clone()));
            w.put(Quad::new(node, nn(dcterms::CREATED), lit_datetime(Utc::now()), g));
            Ok(())
        })?;
        Ok(token)
    }

    /// The API tokens of `username`: (id, label, created).
    pub fn tokens(&self, username: &str) -> Result<Vec<(String, String, String)>> {
        let g = self.graph(Graph::Accounts);
        let mut out = Vec::new();
        for q in self.store().quads(Some(self.agent_iri(username).as_ref().into()), Some(nn(cc::API_TOKEN)), None, Some(g.into()))? {
            let Term::NamedNode(node) = &q.object else { continue };
            let get = |p| -> Result<String> {
                Ok(self.store().object(node.as_ref(), p, g)?.map(|t| term_value(&t).to_owned()).unwrap_or_default())
            };
            let id = node.as_str().rsplit('/').next().unwrap_or_default().to_owned();
            out.push((id, get(ontologies::vocab::rdfs::LABEL)?, get(dcterms::CREATED)?));
        }
        out.sort_by(|a, b| a.2.cmp(&b.2));
        Ok(out)
    }

    /// Revokes token `id` of `username`.
    pub fn revoke_token(&self, actor: &Actor, username: &str, id: &str) -> Result<()> {
        if actor.username != username {
            actor.require("revoke tokens of another user", &[Role::Admin])?;
        }
        let node = self.iri(&format!("id/token/{id}"));
        self.write(|w| {
            let g = self.graph(Graph::Accounts);
            let link = Quad::new(self.agent_iri(username), nn(cc::API_TOKEN), node.clone(), g.into_owned());
            if !w.contains(&link)? {
                return Err(Error::not_found("token", id));
            }
            w.remove(&link);
            for q in w.quads(Some(node.as_ref().into()), None, None, Some(g.into()))? {
                w.remove(&q);
            }
            Ok(())
        })
    }

    /// The account of an API token (refused when unknown, revoked or the
    /// account is disabled).
    pub fn authenticate_token(&self, token: &str) -> Result<Actor> {
        let g = self.graph(Graph::Accounts);
        let hash = token_hash(token.trim());
        let Some(q) =
            self.store().quads(None, Some(nn(cc::TOKEN_HASH)), Some(lit(&hash).as_ref().into()), Some(g.into()))?.into_iter().next()
        else {
            return Err(Error::BadCredentials);
        };
        let NamedOrBlankNode::NamedNode(node) = q.subject else { return Err(Error::BadCredentials) };
        let owner = self.store().quads(None, Some(nn(cc::API_TOKEN)), Some(node.as_ref().into()), Some(g.into()))?;
        let Some(NamedOrBlankNode::NamedNode(user)) = owner.into_iter().next().map(|q| q.subject) else {
            return Err(Error::BadCredentials);
        };
        let info =
            Self::info_from(&self.store().quads(Some(user.as_ref().into()), None, None, Some(g.into()))?).ok_or(Error::BadCredentials)?;
        if info.disabled {
            return Err(Error::BadCredentials);
        }
        Ok(Actor::new(info.username, info.roles).with_office(info.office))
    }

    /// Checks a password and returns the actor. Unknown users, wrong
    /// passwords and disabled accounts all give [`Error::BadCredentials`].
    pub fn authenticate(&self, username: &str, password: &str) -> Result<Actor> {
        let quads = self.user_quads(self.store(), username)?;
        let info = Self::info_from(&quads).ok_or(Error::BadCredentials)?;
        let hash = quads
            .iter()
            .find(|q| q.predicate.as_str() == cc::PASSWORD_HASH)
            .map(|q| term_value(&q.object).to_owned())
            .ok_or(Error::BadCredentials)?;
        let parsed = PasswordHash::new(&hash).map_err(|e| Error::PasswordHash(e.to_string()))?;
        if info.disabled || Argon2::default().verify_password(password.as_bytes(), &parsed).is_err() {
            return Err(Error::BadCredentials);
        }
        Ok(Actor::new(info.username, info.roles).with_office(info.office))
    }
}
