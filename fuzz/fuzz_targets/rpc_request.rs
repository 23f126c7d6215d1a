//! One line from a JSON-RPC client -> requests, then each method's
//! parameters read from them as the daemon reads them.
#![no_main]

use inbox::rpc::methods::METHODS;
use inbox::rpc::parse_params;
use inbox::rpc::protocol::{Incoming, decode};
use inbox::rpc::requests::{
    CountParams, EraseParams, ExplainParams, GetMessageParams, GetThreadParams, SearchParams,
    SetFlagsParams, TagParams,
};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|line: &[u8]| {
    let entries = match decode(line) {
        Incoming::Single(entry) => vec![entry],
        Incoming::Batch(entries) => entries,
    };
    for entry in entries {
        match entry {
            Ok(request) => read_params(request.params),
            // Every answer to a bad request is itself one line of JSON.
            Err(response) => {
                serde_json::from_str::<Value>(&response.to_line()).expect("a JSON response");
            }
        }
    }
});

fn read_params(params: Option<Value>) {
    for spec in METHODS {
        let names: Vec<&str> = spec.params.iter().map(|param| param.name).collect();
        let params = params.clone();
        let _ = match spec.name {
            "search" => parse_params::<SearchParams>(params, &names).map(drop),
            "count" => parse_params::<CountParams>(params, &names).map(drop),
            "get_message" => parse_params::<GetMessageParams>(params, &names).map(drop),
            "get_thread" => parse_params::<GetThreadParams>(params, &names).map(drop),
            "explain" => parse_params::<ExplainParams>(params, &names).map(drop),
            "tag" => parse_params::<TagParams>(params, &names).map(drop),
            "set_flags" => parse_params::<SetFlagsParams>(params, &names).map(drop),
            "erase" => parse_params::<EraseParams>(params, &names).map(drop),
            _ => Ok(()),
        };
    }
}
