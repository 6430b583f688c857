//! The demo tenant every fresh emulator starts with: an organisation, its connectors, users, groups and content.

use base64::Engine;
use serde_json::{json, Value};

use crate::state::{
    new_id, random_token, Action, ActionResponse, Connector, Group, Media, Message, OrgRole, Role,
    SeedInfo, TokenKind, User, ALL_SCOPES,
};
use crate::world::World;

/// A 1×1 PNG (the picture posted in the demo group).
const PIXEL_PNG: &str =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

pub const ORG_ADMIN: &str = "+911000000001";
pub const ADMIN_NORTH: &str = "+911000000002";
pub const ADMIN_SOUTH: &str = "+911000000003";

const MEMBER_NAMES: [&str; 12] = [
    "Deepa Nair",
    "Emeka Obi",
    "Farah Haddad",
    "Gustavo Lima",
    "Hana Sato",
    "Ivan Petrov",
    "Jia Wen",
    "Kofi Mensah",
    "Lena Fischer",
    "Mateo Rossi",
    "Nadia Rahman",
    "Omar Aziz",
];

fn add_user(w: &mut World, mobile: &str, name: &str, role: OrgRole, provisioned: bool) -> String {
    let id = new_id();
    w.insert_user(User {
        id: id.clone(),
        mobile: mobile.to_string(),
        name: name.to_string(),
        profile_pic: String::new(),
        org_role: role,
        region: "inc-000".into(),
        provisioned,
        bot: None,
    });
    id
}

fn add_group(
    w: &mut World,
    name: &str,
    welcome: &str,
    group_type: &str,
    members: Vec<(String, Role)>,
    parent: Option<&str>,
) -> String {
    let id = new_id();
    let created_at = w.instant();
    w.groups.insert(
        id.clone(),
        Group {
            id: id.clone(),
            name: name.to_string(),
            image_url: String::new(),
            welcome_message: welcome.to_string(),
            group_type: group_type.to_string(),
            mapped_to_tenant: true,
            members: members.into_iter().collect(),
            subscribers: Default::default(),
            sub_groups: Vec::new(),
            parents: parent.map(|p| vec![p.to_string()]).unwrap_or_default(),
            created_at,
        },
    );
    if let Some(p) = parent.and_then(|p| w.groups.get_mut(p)) {
        p.sub_groups.push(id.clone());
    }
    id
}

fn add_action(w: &mut World, group: &str, action_type: &str, sender: &str, body: Value) -> String {
    let id = new_id();
    let sent_at = w.instant();
    w.actions.insert(
        id.clone(),
        Action {
            id: id.clone(),
            group_id: group.to_string(),
            action_type: action_type.to_string(),
            package_id: None,
            sender_id: sender.to_string(),
            sent_at,
            body,
            recipients: Vec::new(),
            responses: Default::default(),
        },
    );
    id
}

fn respond(w: &mut World, action: &str, responder: &str, body: Value) {
    let at = w.instant();
    if let Some(a) = w.actions.get_mut(action) {
        let id = new_id();
        a.responses.insert(
            id.clone(),
            ActionResponse {
                id,
                responder_id: responder.to_string(),
                body,
                created_at: at,
                updated_at: at,
            },
        );
    }
}

fn message(w: &mut World, group: &str, sender: &str, text: &str) {
    let sent_at = w.instant();
    let id = new_id();
    w.messages.insert(
        id.clone(),
        Message {
            reference_id: id,
            group_id: group.to_string(),
            sender_id: sender.to_string(),
            text: text.to_string(),
            sent_at,
            recipients: Vec::new(),
        },
    );
}

fn grant_token(w: &mut World, app: &str, kind: TokenKind, user: &str) -> String {
    crate::tokens::issue_refresh_token(w, app, kind, user).unwrap_or_default()
}

/// The demo tenant. Ids and tokens are random each time; names and numbers are fixed.
pub fn demo_world() -> World {
    let mut w = World::empty();
    w.tenant.name = "Contoso Relief".into();
    w.instant();
    // Content is dated a little in the past so "from date" listings show it.
    w.last_instant = w.now() - 3 * 60 * 60 * 1000;

    let all: Vec<String> = ALL_SCOPES.iter().map(|s| s.to_string()).collect();
    let reads: Vec<String> = ALL_SCOPES
        .iter()
        .filter(|s| s.ends_with(".read"))
        .map(|s| s.to_string())
        .collect();
    let demo = Connector {
        id: new_id(),
        secret: random_token(),
        name: "Demo connector".into(),
        active: true,
        scopes: all.clone(),
        removed_from: Vec::new(),
        rate_limit: None,
    };
    let read_only = Connector {
        id: new_id(),
        secret: random_token(),
        name: "Read-only connector".into(),
        active: true,
        scopes: reads,
        removed_from: Vec::new(),
        rate_limit: None,
    };
    let paused = Connector {
        id: new_id(),
        secret: random_token(),
        name: "Paused connector".into(),
        active: false,
        scopes: all,
        removed_from: Vec::new(),
        rate_limit: None,
    };
    let app = demo.id.clone();
    for c in [demo, read_only, paused] {
        w.connectors.insert(c.id.clone(), c);
    }

    let asha = add_user(&mut w, ORG_ADMIN, "Asha Rao", OrgRole::OrgAdmin, true);
    let bilal = add_user(&mut w, ADMIN_NORTH, "Bilal Khan", OrgRole::User, true);
    let chen = add_user(&mut w, ADMIN_SOUTH, "Chen Li", OrgRole::User, true);
    let members: Vec<String> = MEMBER_NAMES
        .iter()
        .enumerate()
        .map(|(i, name)| {
            add_user(
                &mut w,
                &format!("+9110000000{}", 10 + i),
                name,
                OrgRole::User,
                true,
            )
        })
        .collect();
    let m = |r: std::ops::Range<usize>| -> Vec<(String, Role)> {
        members
            .get(r)
            .unwrap_or_default()
            .iter()
            .map(|id| (id.clone(), Role::Member))
            .collect()
    };

    let mut root_members = vec![
        (asha.clone(), Role::Member),
        (bilal.clone(), Role::Admin),
        (chen.clone(), Role::Member),
    ];
    root_members.extend(m(0..12));
    let root = add_group(
        &mut w,
        "Contoso Relief",
        "Welcome to Contoso Relief: announcements and coordination for everyone.",
        "Group",
        root_members,
        None,
    );
    let mut north_members = vec![(bilal.clone(), Role::Admin)];
    north_members.extend(m(0..6));
    let north = add_group(
        &mut w,
        "North Region",
        "North Region coordination.",
        "Group",
        north_members,
        Some(&root),
    );
    let mut south_members = vec![(chen.clone(), Role::Admin)];
    south_members.extend(m(6..12));
    let south = add_group(
        &mut w,
        "South Region",
        "South Region coordination.",
        "Group",
        south_members,
        Some(&root),
    );
    let mut nft = vec![(bilal.clone(), Role::Admin)];
    nft.extend(m(0..3));
    add_group(
        &mut w,
        "North Field Team",
        "Field work in the north.",
        "Group",
        nft,
        Some(&north),
    );
    let mut sft = vec![(chen.clone(), Role::Admin)];
    sft.extend(m(6..9));
    add_group(
        &mut w,
        "South Field Team",
        "Field work in the south.",
        "Group",
        sft,
        Some(&south),
    );

    let mut public_members = vec![(asha.clone(), Role::Admin), (chen.clone(), Role::Admin)];
    public_members.extend(m(0..1));
    let public = add_group(
        &mut w,
        "Contoso Updates",
        "Public updates from Contoso Relief.",
        "ConnectGroup",
        public_members,
        None,
    );
    let subscribers: Vec<String> = (1..=120)
        .map(|i| {
            add_user(
                &mut w,
                &format!("+919100000{i:03}"),
                &format!("Subscriber {i:03}"),
                OrgRole::External,
                i <= 60,
            )
        })
        .collect();
    if let Some(g) = w.groups.get_mut(&public) {
        g.subscribers = subscribers.into_iter().map(|s| (s, ())).collect();
    }

    let member = |i: usize| members.get(i).cloned().unwrap_or_default();
    message(
        &mut w,
        &root,
        &bilal,
        "Good morning, team! Supplies arrive at the north depot today.",
    );
    message(
        &mut w,
        &root,
        &member(0),
        "Thanks, Bilal. The field team will meet the truck at 10.",
    );
    message(
        &mut w,
        &root,
        &chen,
        "South depot is fully stocked this week.",
    );
    message(
        &mut w,
        &public,
        &asha,
        "Contoso Relief is hiring volunteers for the winter drive.",
    );

    let poll = add_action(
        &mut w,
        &root,
        "Poll",
        &bilal,
        json!({"question": "Which day suits the monthly review?",
               "choices": [{"title": "Monday"}, {"title": "Wednesday"}, {"title": "Friday"}],
               "expiryInHours": 720}),
    );
    for (i, choice) in [
        (0, "Monday"),
        (1, "Wednesday"),
        (2, "Wednesday"),
        (3, "Friday"),
    ] {
        respond(&mut w, &poll, &member(i), json!({"answers": [choice]}));
    }
    let survey = add_action(
        &mut w,
        &root,
        "Survey",
        &bilal,
        json!({"title": "Field readiness check",
               "questions": [
                   {"title": "Which kits do you have?", "type": "MultiOption",
                    "options": [{"title": "First aid"}, {"title": "Water"}, {"title": "Shelter"}]},
                   {"title": "How many volunteers can you bring?", "type": "Numeric"},
                   {"title": "Anything else we should know?", "type": "Text"}],
               "dueDate": 168, "isAnonymous": false, "isSenderOnly": false,
               "acceptMultipleResponses": false}),
    );
    respond(
        &mut w,
        &survey,
        &member(0),
        json!({"answers": [["First aid", "Water"], 4, "Van needs new tyres."]}),
    );
    respond(
        &mut w,
        &survey,
        &member(6),
        json!({"answers": [["Shelter"], 2, ""]}),
    );
    let assignees: Vec<String> = (0..3).map(|i| w.user_mobile(&member(i))).collect();
    let job = add_action(
        &mut w,
        &root,
        "Job",
        &bilal,
        json!({"title": "Count blankets at the north depot",
               "assignedTo": assignees,
               "dueDate": 24}),
    );
    respond(&mut w, &job, &member(0), json!({"isCompleted": true}));
    respond(&mut w, &job, &member(1), json!({"isCompleted": false}));

    let media_id = new_id();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(PIXEL_PNG)
        .unwrap_or_default();
    let uploaded_at = w.instant();
    w.media.insert(
        media_id.clone(),
        Media {
            id: media_id.clone(),
            file_name: "depot.png".into(),
            mime: "image/png".into(),
            bytes: bytes.into(),
            uploaded_by: bilal.clone(),
            uploaded_at,
        },
    );
    add_action(
        &mut w,
        &root,
        "Image",
        &bilal,
        json!({"mediaResource": crate::media::resource_of(&media_id), "caption": "North depot, this morning"}),
    );
    add_action(
        &mut w,
        &north,
        "PhotoWithLocation",
        &member(1),
        json!({"latitude": 28.6139, "longitude": 77.209, "imageUrl": ""}),
    );
    add_action(
        &mut w,
        &north,
        "ShareLocation",
        &member(2),
        json!({"latitude": 28.7041, "longitude": 77.1025}),
    );

    let group_token = grant_token(
        &mut w,
        &app,
        TokenKind::Group {
            group_id: root.clone(),
        },
        &bilal,
    );
    let user_token = grant_token(&mut w, &app, TokenKind::User, &asha);
    w.seed = SeedInfo {
        group_refresh_token: group_token,
        group_token_group_id: root.clone(),
        user_refresh_token: user_token,
        user_token_mobile: ORG_ADMIN.into(),
        main_group_id: root,
        public_group_id: public,
    };
    w.last_instant = w.last_instant.max(w.now() - 60_000);
    w
}
