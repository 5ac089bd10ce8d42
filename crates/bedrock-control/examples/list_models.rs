//! Lists the foundation models as a table.
//!
//! ```sh
//! cargo run -p bedrock-control --example list_models            # against an in-process bedrock-local
//! BEDROCK_EXAMPLE_LIVE=1 cargo run -p bedrock-control --example list_models   # against AWS, configured from the environment
//! ```

use bedrock_control::types::ListFoundationModelsRequest;
use bedrock_control::Client;

/// Lists the models, prints them as a table and returns the table.
pub async fn run(client: &Client) -> Result<String, Box<dyn std::error::Error + Send + Sync>> {
    let output = client
        .list_foundation_models(ListFoundationModelsRequest::new())
        .await?;
    let mut rows: Vec<[String; 4]> = output
        .model_summaries
        .unwrap_or_default()
        .into_iter()
        .map(|m| {
            let modalities = |list: Option<Vec<bedrock_control::types::ModelModality>>| {
                list.unwrap_or_default()
                    .iter()
                    .map(|m| m.as_str().to_owned())
                    .collect::<Vec<_>>()
                    .join(",")
            };
            [
                m.provider_name.unwrap_or_default(),
                m.model_id,
                modalities(m.input_modalities),
                modalities(m.output_modalities),
            ]
        })
        .collect();
    rows.sort();
    let header = ["PROVIDER", "MODEL ID", "INPUT", "OUTPUT"].map(str::to_owned);
    let mut widths = [0usize; 4];
    for row in std::iter::once(&header).chain(&rows) {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut table = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        let line: Vec<String> = row.iter().zip(widths).map(|(c, w)| format!("{c:<w$}")).collect();
        table.push_str(line.join("  ").trim_end());
        table.push('\n');
    }
    table.push_str(&format!("{} models\n", rows.len()));
    print!("{table}");
    Ok(table)
}

#[allow(dead_code)]
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    if std::env::var_os("BEDROCK_EXAMPLE_LIVE").is_some() {
        let config = bedrock_control::from_env().load().await?;
        run(&Client::new(&config)).await?;
        return Ok(());
    }
    let server = bedrock_local::start(bedrock_local::Config::new()).await?;
    let config = bedrock_control::Config::builder()
        .region("us-east-1")
        .api_key("ABSKlocal-example-key")
        .endpoint_url(server.base_url())
        .load()
        .await?;
    run(&Client::new(&config)).await?;
    server.shutdown().await;
    Ok(())
}
