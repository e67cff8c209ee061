use super::EXIT_OK;

pub fn run() -> i32 {
    outln!("{}", schedsim::model::schema::json_schema_text());
    EXIT_OK
}
