fn main() {
    minijinja_embed::embed_templates!("web/templates");
}
