//! The Chinese analyser (中文分词器): jieba segmentation, lower-casing, and a stop filter that
//! drops punctuation and boilerplate words.
//!
//! tantivy does not store tokenizers in the index, so [`register`] runs on every open (the
//! handle does it for you). Queries are analysed with the same chain through [`terms`], so a
//! query for 电梯 meets a profile that says 电梯维保 (jieba's search mode emits the sub-words
//! of long words), and a query made only of punctuation or boilerplate (需要、的、和，。)
//! yields no term and matches nothing.

use std::collections::HashSet;
use std::sync::OnceLock;

use tantivy::Index;
use tantivy::tokenizer::{
    LowerCaser, RemoveLongFilter, TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer,
};
use tantivy_jieba::JiebaTokenizer;

/// The name the analyser is registered under in every index.
pub const ANALYZER: &str = "wuye_zh";

/// The stop list (停用词表): boilerplate and template words (套话) that appear in nearly every
/// profile, tender or address and carry no matching signal, one word a line, `#` comments.
/// Everything is compared after lower-casing.
pub const STOP_WORDS_FILE: &str = include_str!("../data/stopwords.txt");

/// The words of [`STOP_WORDS_FILE`].
pub fn stop_words() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| data_lines(STOP_WORDS_FILE).collect())
}

/// The non-empty, non-comment lines of a data file, trimmed.
pub(crate) fn data_lines(file: &'static str) -> impl Iterator<Item = &'static str> {
    file.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// Whether a (lower-cased) token is worth indexing: it has a letter or ideograph, is not a
/// number (24, 2003, 3.5 …) and is not boilerplate.
pub fn is_meaningful(token: &str) -> bool {
    token
        .chars()
        .any(|c| c.is_alphanumeric() && !c.is_ascii_digit())
        && !stop_words().contains(token)
}

/// Builds the analyser: jieba (search mode) → drop tokens over 40 bytes → lower case → drop
/// punctuation, numbers and [`stop_words`].
pub fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(JiebaTokenizer::new())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(BoilerplateFilter)
        .build()
}

/// Registers [`analyzer`] under [`ANALYZER`] on an index (needed after every open).
pub fn register(index: &Index) {
    index.tokenizers().register(ANALYZER, analyzer());
}

/// Analyses query text into its distinct terms, in order of first appearance.
pub fn terms(text: &str) -> Vec<String> {
    thread_local! {
        static ANALYZER_CELL: std::cell::RefCell<TextAnalyzer> =
            std::cell::RefCell::new(analyzer());
    }
    ANALYZER_CELL.with(|cell| {
        let mut analyzer = cell.borrow_mut();
        let mut stream = analyzer.token_stream(text);
        let mut out: Vec<String> = Vec::new();
        while let Some(token) = stream.next() {
            if !out.iter().any(|t| t == &token.text) {
                out.push(token.text.clone());
            }
        }
        out
    })
}

/// A token of a text with its byte span, before the stop filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Span {
    /// The lower-cased token.
    pub text: String,
    /// Byte offset of its first character in the text.
    pub from: usize,
    /// Byte offset just past its last character.
    pub to: usize,
    /// Whether the stop filter keeps it ([`is_meaningful`]).
    pub meaningful: bool,
}

/// Every token of `text` (jieba search mode, lower-cased, so a long word comes with its
/// sub-words), with byte spans into `text`; punctuation and boilerplate are marked, not
/// dropped, so callers can still see word boundaries.
pub(crate) fn spans(text: &str) -> Vec<Span> {
    thread_local! {
        static RAW: std::cell::RefCell<TextAnalyzer> = std::cell::RefCell::new(
            TextAnalyzer::builder(JiebaTokenizer::new())
                .filter(RemoveLongFilter::limit(40))
                .filter(LowerCaser)
                .build(),
        );
    }
    RAW.with(|cell| {
        let mut analyzer = cell.borrow_mut();
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while let Some(token) = stream.next() {
            out.push(Span {
                meaningful: is_meaningful(&token.text),
                text: token.text.clone(),
                from: token.offset_from,
                to: token.offset_to,
            });
        }
        out
    })
}

/// Token filter dropping punctuation-only tokens and boilerplate words.
#[derive(Clone, Copy, Debug, Default)]
pub struct BoilerplateFilter;

impl TokenFilter for BoilerplateFilter {
    type Tokenizer<T: Tokenizer> = BoilerplateFilterWrapper<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> Self::Tokenizer<T> {
        BoilerplateFilterWrapper(tokenizer)
    }
}

/// [`BoilerplateFilter`] applied to a tokenizer.
#[derive(Clone, Debug)]
pub struct BoilerplateFilterWrapper<T>(T);

impl<T: Tokenizer> Tokenizer for BoilerplateFilterWrapper<T> {
    type TokenStream<'a> = BoilerplateStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        BoilerplateStream(self.0.token_stream(text))
    }
}

/// Token stream of [`BoilerplateFilterWrapper`].
pub struct BoilerplateStream<S>(S);

impl<S: TokenStream> TokenStream for BoilerplateStream<S> {
    fn advance(&mut self) -> bool {
        while self.0.advance() {
            if is_meaningful(&self.0.token().text) {
                return true;
            }
        }
        false
    }

    fn token(&self) -> &Token {
        self.0.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.0.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_words_yield_their_parts() {
        assert_eq!(terms("电梯维保"), vec!["电梯", "维保"]);
        let t = terms("垃圾分类投放点");
        assert!(
            t.contains(&"垃圾".to_string()) && t.contains(&"分类".to_string()),
            "{t:?}"
        );
        // A query segments the same way, so every query term is in the profile's terms.
        assert!(terms("垃圾分类").iter().all(|q| t.contains(q)));
        let t = terms("化粪池清掏、消防设施维护");
        assert!(
            t.contains(&"消防".to_string()) && t.contains(&"化粪池".to_string()),
            "{t:?}"
        );
    }

    #[test]
    fn punctuation_and_boilerplate_are_dropped() {
        assert!(terms("，。！？、；：“”（）——……").is_empty());
        assert!(terms("需要的和与，。").is_empty());
        assert!(terms("   ").is_empty());
        assert_eq!(
            terms("需要电梯维保和垃圾分类，。"),
            vec!["电梯", "维保", "垃圾", "分类"]
        );
        assert!(!is_meaningful("，"));
        assert!(!is_meaningful("需要"));
        assert!(is_meaningful("电梯"));
    }

    #[test]
    fn latin_text_is_lower_cased_and_terms_are_distinct() {
        assert_eq!(
            terms("Smart 门禁 WiFi smart"),
            vec!["smart", "门禁", "wifi"]
        );
    }
}
