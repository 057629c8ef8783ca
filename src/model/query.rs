//! The ECS cluster query language used by `memberOf` constraints
//! ("Cluster query language", Amazon ECS developer guide): `subject operator
//! [argument]` expressions joined by and/or/not with parentheses.

use regex::Regex;

#[derive(Debug, Clone)]
pub enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Cmp(Subject, Op),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Subject {
    Attribute(String),
    Ec2InstanceId,
    RunningTasksCount,
    TaskGroup,
    AgentConnected,
}

#[derive(Debug, Clone)]
pub enum Op {
    Eq(String),
    Ne(String),
    Gt(String),
    Ge(String),
    Lt(String),
    Le(String),
    Exists,
    NotExists,
    In(Vec<String>),
    NotIn(Vec<String>),
    Matches(Regex),
    NotMatches(Regex),
}

/// What an expression is evaluated against: one container instance.
pub trait Facts {
    fn attribute(&self, name: &str) -> Option<&str>;
    fn instance_id(&self) -> &str;
    fn running_tasks(&self) -> u64;
    /// Whether a task of group `name` is on the instance.
    fn has_group(&self, name: &str) -> bool;
}

impl Expr {
    pub fn parse(text: &str) -> Result<Expr, String> {
        // ECS's own limit; it also bounds the nesting the recursive parser,
        // evaluation and drop go through (thousands of `(` overflowed the stack).
        if text.len() > MAX_EXPRESSION {
            return Err(format!(
                "the expression is {} characters long; ECS allows at most {MAX_EXPRESSION}",
                text.len()
            ));
        }
        let mut p = Parser {
            s: text,
            pos: 0,
            depth: 0,
        };
        let e = p.or()?;
        p.ws();
        if p.pos < p.s.len() {
            return Err(p.err("unexpected text"));
        }
        Ok(e)
    }

    pub fn eval(&self, f: &dyn Facts) -> bool {
        match self {
            Expr::And(a, b) => a.eval(f) && b.eval(f),
            Expr::Or(a, b) => a.eval(f) || b.eval(f),
            Expr::Not(a) => !a.eval(f),
            Expr::Cmp(Subject::TaskGroup, op) => match op {
                Op::Eq(v) => f.has_group(v),
                Op::Ne(v) => !f.has_group(v),
                Op::In(vs) => vs.iter().any(|v| f.has_group(v)),
                Op::NotIn(vs) => !vs.iter().any(|v| f.has_group(v)),
                _ => false,
            },
            Expr::Cmp(subject, op) => {
                let count;
                let value = match subject {
                    Subject::Attribute(name) => f.attribute(name),
                    Subject::Ec2InstanceId => Some(f.instance_id()),
                    Subject::RunningTasksCount => {
                        count = f.running_tasks().to_string();
                        Some(count.as_str())
                    }
                    Subject::AgentConnected => Some("true"),
                    Subject::TaskGroup => None,
                };
                compare(value, op)
            }
        }
    }
}

/// A missing attribute satisfies only the negative operators.
fn compare(value: Option<&str>, op: &Op) -> bool {
    let Some(v) = value else {
        return matches!(
            op,
            Op::Ne(_) | Op::NotExists | Op::NotIn(_) | Op::NotMatches(_)
        );
    };
    match op {
        Op::Eq(x) => v == x,
        Op::Ne(x) => v != x,
        Op::Gt(x) => order(v, x).is_gt(),
        Op::Ge(x) => order(v, x).is_ge(),
        Op::Lt(x) => order(v, x).is_lt(),
        Op::Le(x) => order(v, x).is_le(),
        Op::Exists => true,
        Op::NotExists => false,
        Op::In(xs) => xs.iter().any(|x| x == v),
        Op::NotIn(xs) => !xs.iter().any(|x| x == v),
        Op::Matches(r) => r.is_match(v),
        Op::NotMatches(r) => !r.is_match(v),
    }
}

/// Numbers compare as numbers, anything else as text.
fn order(a: &str, b: &str) -> std::cmp::Ordering {
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => x.total_cmp(&y),
        _ => a.cmp(b),
    }
}

/// Longest cluster query expression ECS accepts (characters).
const MAX_EXPRESSION: usize = 2000;
/// Deepest nesting of `not` / parentheses the parser follows.
const MAX_DEPTH: u32 = 64;

struct Parser<'a> {
    s: &'a str,
    pos: usize,
    depth: u32,
}

impl Parser<'_> {
    fn err(&self, what: &str) -> String {
        format!("{what} at character {} of `{}`", self.pos + 1, self.s)
    }

    fn rest(&self) -> &str {
        &self.s[self.pos..]
    }

    fn ws(&mut self) {
        let trimmed = self.rest().trim_start();
        self.pos = self.s.len() - trimmed.len();
    }

    /// Consumes `word` if it comes next as a whole word or symbol.
    fn eat(&mut self, word: &str) -> bool {
        self.ws();
        let r = self.rest();
        if !r.starts_with(word) {
            return false;
        }
        // A word operator must end at a word boundary (`in` is not `inx`).
        let alpha = word.ends_with(|c: char| c.is_ascii_alphabetic());
        let next = r[word.len()..].chars().next();
        if alpha
            && next.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == ':')
        {
            return false;
        }
        self.pos += word.len();
        true
    }

    fn or(&mut self) -> Result<Expr, String> {
        let mut e = self.and()?;
        while self.eat("||") || self.eat("or") {
            e = Expr::Or(Box::new(e), Box::new(self.and()?));
        }
        Ok(e)
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut e = self.unary()?;
        while self.eat("&&") || self.eat("and") {
            e = Expr::And(Box::new(e), Box::new(self.unary()?));
        }
        Ok(e)
    }

    fn unary(&mut self) -> Result<Expr, String> {
        if self.depth >= MAX_DEPTH {
            return Err(self.err(&format!(
                "nested more than {MAX_DEPTH} levels of `not` / parentheses"
            )));
        }
        self.depth += 1;
        let e = self.nested();
        self.depth -= 1;
        e
    }

    fn nested(&mut self) -> Result<Expr, String> {
        if self.eat("not") || self.eat("!") {
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        if self.eat("(") {
            let e = self.or()?;
            if !self.eat(")") {
                return Err(self.err("expected `)`"));
            }
            return Ok(e);
        }
        self.simple()
    }

    fn token(&mut self) -> &str {
        self.ws();
        let r = self.rest();
        let end = r
            .find(|c: char| c.is_whitespace() || "()=!<>~,[]".contains(c))
            .unwrap_or(r.len());
        let start = self.pos;
        self.pos += end;
        &self.s[start..self.pos]
    }

    fn simple(&mut self) -> Result<Expr, String> {
        let at = self.pos;
        let subj = self.token().to_string();
        let subject = if let Some(name) = subj.strip_prefix("attribute:") {
            if name.is_empty() {
                return Err(self.err("attribute name missing after `attribute:`"));
            }
            Subject::Attribute(name.to_string())
        } else {
            match subj.as_str() {
                "ec2InstanceId" => Subject::Ec2InstanceId,
                "runningTasksCount" => Subject::RunningTasksCount,
                "task:group" => Subject::TaskGroup,
                "agentConnected" => Subject::AgentConnected,
                "" => {
                    return Err(
                        self.err("expected a subject such as `attribute:ecs.instance-type`")
                    );
                }
                other => {
                    self.pos = at;
                    return Err(self.err(&format!(
                        "unknown subject `{other}` (known: attribute:NAME, ec2InstanceId, runningTasksCount, task:group, agentConnected)"
                    )));
                }
            }
        };
        const OPS: &[(&str, &str)] = &[
            ("==", "=="),
            ("!=", "!="),
            (">=", ">="),
            ("<=", "<="),
            (">", ">"),
            ("<", "<"),
            ("=~", "=~"),
            ("!~", "!~"),
            ("!exists", "!exists"),
            ("!in", "not_in"),
            ("equals", "=="),
            ("not_equals", "!="),
            ("greater_than_equal", ">="),
            ("greater_than", ">"),
            ("less_than_equal", "<="),
            ("less_than", "<"),
            ("not_exists", "!exists"),
            ("exists", "exists"),
            ("not_in", "not_in"),
            ("in", "in"),
            ("not_matches", "!~"),
            ("matches", "=~"),
        ];
        let op = OPS.iter().find(|(w, _)| self.eat(w)).map(|(_, o)| *o).ok_or_else(|| {
            self.err("expected an operator (==, !=, >, >=, <, <=, exists, !exists, in, not_in, =~, !~)")
        })?;
        let op = match op {
            "exists" => Op::Exists,
            "!exists" => Op::NotExists,
            "in" => Op::In(self.list()?),
            "not_in" => Op::NotIn(self.list()?),
            "=~" => Op::Matches(self.regex()?),
            "!~" => Op::NotMatches(self.regex()?),
            cmp => {
                let v = self.value()?;
                match cmp {
                    "==" => Op::Eq(v),
                    "!=" => Op::Ne(v),
                    ">" => Op::Gt(v),
                    ">=" => Op::Ge(v),
                    "<" => Op::Lt(v),
                    _ => Op::Le(v),
                }
            }
        };
        if subject == Subject::TaskGroup
            && !matches!(op, Op::Eq(_) | Op::Ne(_) | Op::In(_) | Op::NotIn(_))
        {
            return Err(self.err("task:group supports only ==, !=, in and not_in"));
        }
        Ok(Expr::Cmp(subject, op))
    }

    fn value(&mut self) -> Result<String, String> {
        self.ws();
        let r = self.rest();
        if let Some(q) = r.chars().next().filter(|c| *c == '\'' || *c == '"') {
            let close = r[1..]
                .find(q)
                .ok_or_else(|| self.err("unterminated quoted value"))?;
            let v = r[1..1 + close].to_string();
            self.pos += close + 2;
            return Ok(v);
        }
        let end = r
            .find(|c: char| c.is_whitespace() || "(),[]".contains(c))
            .unwrap_or(r.len());
        if end == 0 {
            return Err(self.err("expected a value"));
        }
        let v = r[..end].to_string();
        self.pos += end;
        Ok(v)
    }

    fn list(&mut self) -> Result<Vec<String>, String> {
        if !self.eat("[") {
            return Err(self.err("expected a list like [a, b]"));
        }
        let mut out = vec![self.value()?];
        while self.eat(",") {
            out.push(self.value()?);
        }
        if !self.eat("]") {
            return Err(self.err("expected `]` or `,` in list"));
        }
        Ok(out)
    }

    /// A pattern argument. Unquoted, it runs to the next whitespace or to a
    /// `)` that closes an enclosing group, so `m[56].*` and `(m5|c5).*` need
    /// no quotes.
    fn pattern(&mut self) -> Result<String, String> {
        self.ws();
        let r = self.rest();
        if r.starts_with(['\'', '"']) {
            return self.value();
        }
        let (mut depth, mut escaped, mut end) = (0u32, false, r.len());
        for (i, c) in r.char_indices() {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '(' | '[' => depth += 1,
                ')' | ']' if depth > 0 => depth -= 1,
                c if c.is_whitespace() || c == ')' => {
                    end = i;
                    break;
                }
                _ => {}
            }
        }
        if end == 0 {
            return Err(self.err("expected a pattern"));
        }
        let v = r[..end].to_string();
        self.pos += end;
        Ok(v)
    }

    fn regex(&mut self) -> Result<Regex, String> {
        let pat = self.pattern()?;
        // ECS takes a Java pattern matched against the whole value.
        Regex::new(&format!("^(?:{pat})$")).map_err(|e| {
            // The regex crate's message spans lines (the pattern, a
            // caret, the error); keep its last line, the reason.
            let e = e.to_string();
            let why = e.lines().last().unwrap_or("").trim();
            let why = why.strip_prefix("error: ").unwrap_or(why);
            self.err(&format!("invalid pattern `{pat}`: {why}"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_operators_end_at_a_word_boundary() {
        assert!(Expr::parse("attribute:x !in [a]").is_ok());
        assert!(Expr::parse("attribute:x !inx [a]").is_err());
        assert!(Expr::parse("attribute:x in[a, b]").is_ok());
        assert!(Expr::parse("attribute:x inside").is_err());
    }
}
